package dev.thaw.sandbox;

import dev.thaw.images.RootfsImage;
import dev.thaw.snapshot.Manifest;
import dev.thaw.snapshot.MemoryFiles;
import dev.thaw.snapshot.PendingSnapshot;
import dev.thaw.snapshot.RestoreImage;
import dev.thaw.snapshot.Snapshot;
import dev.thaw.snapshot.SnapshotStore;
import dev.thaw.vmm.DiskChain;
import dev.thaw.vmm.Vmm;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Makes a diff snapshot whole: its chain's assembled memory, its own device state (which,
 * like a full snapshot's, holds no guest RAM) and its disk layers folded into one layer
 * over the base image. The result restores without any other snapshot.
 */
final class SnapshotSquasher {

    private final SnapshotStore store;
    private final Vmm vmm;

    SnapshotSquasher(SnapshotStore store, Vmm vmm) {
        this.store = store;
        this.vmm = vmm;
    }

    Snapshot squash(RestoreImage diff, RootfsImage rootfs, String id, boolean replace) {
        Manifest m = diff.manifest();
        if (!m.isDiff()) {
            throw new SandboxException(SandboxException.Code.BAD_REQUEST, "snapshot '" + m.id()
                    + "' is a full snapshot already; only diff snapshots can be squashed");
        }
        long expected = HostFiles.size(diff.memory()) + diff.diskLayers().stream().mapToLong(HostFiles::size).sum();
        try (PendingSnapshot pending = store.begin(id, expected, replace)) {
            Path disk = pending.files().disk();
            HostFiles.copy(diff.vmstate(), pending.files().vmstate());
            HostFiles.copy(diff.diskLayers().getFirst(), disk);
            vmm.flatten(new DiskChain(disk, diff.diskLayers().subList(1, diff.diskLayers().size()), rootfs.rootDisk()),
                    rootfs.rootDisk().getFileName().toString());
            try {
                MemoryFiles.copy(diff.memory(), pending.files().memory());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot copy the memory of snapshot '" + m.id() + "'", e);
            }
            return pending.commit(new Manifest(Manifest.FORMAT_VERSION, id, m.language(), m.vmm(), m.vmmVersion(),
                    m.accelerator(), m.cpuModel(), m.memoryMiB(), m.vcpus(), m.kernelDigest(), m.initrdDigest(),
                    m.rootfsDigest(), m.agentVersion(), m.cmdline(), null, null, Map.of()).withWarmUp(m.warmUpDigest()));
        }
    }
}
