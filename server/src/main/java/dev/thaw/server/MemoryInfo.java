package dev.thaw.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The host's available memory, from {@code /proc/meminfo}. */
public final class MemoryInfo {

    private MemoryInfo() {}

    /** MemAvailable in MiB; 1024 when it cannot be read, so defaults err small. */
    public static long availableMiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) {
                    return Long.parseLong(line.replaceAll("\\D+", "")) / 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // fall through: assume little
        }
        return 1024;
    }
}
