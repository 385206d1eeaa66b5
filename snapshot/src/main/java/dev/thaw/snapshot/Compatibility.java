package dev.thaw.snapshot;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Compares a snapshot's manifest with this host, field by field, and says what differs. */
final class Compatibility {

    private Compatibility() {}

    static void check(Manifest m, HostProfile host) {
        List<String> differences = new ArrayList<>();
        compare(differences, "VMM", m.vmm(), host.vmm());
        compare(differences, "VMM version", m.vmmVersion(), host.vmmVersion());
        compare(differences, "accelerator", m.accelerator(), host.accelerator());
        compare(differences, "CPU model", m.cpuModel(), host.cpuModel());
        compare(differences, "memory (MiB)", m.memoryMiB(), host.memoryMiB());
        compare(differences, "vCPUs", m.vcpus(), host.vcpus());
        compare(differences, "guest kernel", m.kernelDigest(), host.kernelDigest());
        compare(differences, "initramfs", m.initrdDigest(), host.initrdDigest());
        compare(differences, "root filesystem", m.rootfsDigest(), host.rootfsDigest());
        compare(differences, "guest agent", m.agentVersion(), host.agentVersion());
        if (!differences.isEmpty()) {
            throw new SnapshotException(SnapshotException.Code.INCOMPATIBLE, "snapshot '" + m.id()
                    + "' was made on a different setup and cannot be restored here: " + String.join("; ", differences)
                    + ". Recreate it with: thaw snapshot create --lang " + m.language() + " --id " + m.id() + " --replace");
        }
    }

    private static void compare(List<String> differences, String field, Object snapshot, Object here) {
        if (!Objects.equals(snapshot, here)) {
            differences.add(field + " is " + shorten(snapshot) + " in the snapshot but " + shorten(here) + " here");
        }
    }

    private static String shorten(Object value) {
        String text = String.valueOf(value);
        return text.length() == 64 && text.matches("[0-9a-f]+") ? text.substring(0, 12) : text;
    }
}
