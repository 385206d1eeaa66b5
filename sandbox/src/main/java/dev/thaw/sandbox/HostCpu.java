package dev.thaw.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The host CPU's clock rate, which is what a TCG guest's TSC counts at. */
final class HostCpu {

    static final long FALLBACK_KHZ = 2_000_000;

    private HostCpu() {}

    static long tscKhz() {
        try {
            return parseKhz(Files.readString(Path.of("/proc/cpuinfo")));
        } catch (IOException e) {
            return FALLBACK_KHZ;
        }
    }

    /** The first "cpu MHz" line of /proc/cpuinfo, in kHz. */
    static long parseKhz(String cpuinfo) {
        return cpuinfo.lines()
                .filter(line -> line.startsWith("cpu MHz"))
                .map(line -> line.substring(line.indexOf(':') + 1).trim())
                .mapToLong(mhz -> Math.round(Double.parseDouble(mhz) * 1000))
                .filter(khz -> khz > 0)
                .findFirst()
                .orElse(FALLBACK_KHZ);
    }
}
