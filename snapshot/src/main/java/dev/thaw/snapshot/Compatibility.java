package dev.thaw.snapshot;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Compares a snapshot's manifest with this host field by field. A guest resumed on another
 * VMM version, accelerator, CPU model or guest input would crash or misbehave, so every
 * difference is named with both values: the user learns all at once what changed.
 */
final class Compatibility {

    private Compatibility() {}

    static void check(Manifest m, HostProfile host) {
        List<String> made = new ArrayList<>();
        List<String> here = new ArrayList<>();
        compare(made, here, "VMM", m.vmm(), host.vmm());
        compare(made, here, "VMM version", m.vmmVersion(), host.vmmVersion());
        compare(made, here, "accelerator", m.accelerator(), host.accelerator());
        compare(made, here, "CPU model", m.cpuModel(), host.cpuModel());
        compare(made, here, "memory MiB", m.memoryMiB(), host.memoryMiB());
        compare(made, here, "vCPUs", m.vcpus(), host.vcpus());
        compare(made, here, "kernel", m.kernelDigest(), host.kernelDigest());
        compare(made, here, "initramfs", m.initrdDigest(), host.initrdDigest());
        compare(made, here, "root filesystem", m.rootfsDigest(), host.rootfsDigest());
        compare(made, here, "guest agent", m.agentVersion(), host.agentVersion());
        compare(made, here, "kernel arguments", bootArguments(m.cmdline()), bootArguments(host.cmdline()));
        if (!made.isEmpty()) {
            throw new SnapshotException(SnapshotException.Code.INCOMPATIBLE, "snapshot '" + m.id()
                    + "' was made with " + String.join(", ", made) + "; this host has " + String.join(", ", here)
                    + ". " + SnapshotException.recreate(m.id(), m.language()));
        }
    }

    private static void compare(List<String> made, List<String> here, String field, Object snapshot, Object host) {
        if (!Objects.equals(snapshot, host)) {
            made.add(field + " " + shorten(snapshot));
            here.add(field + " " + shorten(host));
        }
    }

    /**
     * The command line without {@code tsc_early_khz}: that argument only saves the boot its
     * TSC calibration and names this host's frequency, so it would otherwise set apart hosts
     * that can share snapshots.
     */
    static String bootArguments(String cmdline) {
        return cmdline == null ? "" : Arrays.stream(cmdline.trim().split("\\s+"))
                .filter(argument -> !argument.startsWith("tsc_early_khz="))
                .collect(Collectors.joining(" "));
    }

    /** sha256 digests are told apart by their first 12 hex digits; the full ones only clutter. */
    private static String shorten(Object value) {
        String text = String.valueOf(value);
        return text.length() == 64 && text.matches("[0-9a-f]+") ? text.substring(0, 12) : text;
    }
}
