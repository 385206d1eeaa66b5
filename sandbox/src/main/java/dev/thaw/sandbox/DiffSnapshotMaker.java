package dev.thaw.sandbox;

import dev.thaw.snapshot.Manifest;
import dev.thaw.snapshot.MemoryDiffWriter;
import dev.thaw.snapshot.PendingSnapshot;
import dev.thaw.snapshot.RestoreImage;
import dev.thaw.snapshot.Snapshot;
import dev.thaw.snapshot.SnapshotStore;
import dev.thaw.vmm.GuestPages;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Map;

/**
 * Saves a restored sandbox as a diff snapshot of the snapshot it was restored from: the
 * memory pages that differ from it, the disk blocks the guest wrote since (its disk's top
 * layer) and its device state. The guest is left paused; {@link Sandbox#resume()} lets it
 * go on.
 */
final class DiffSnapshotMaker {

    private final SnapshotStore store;

    DiffSnapshotMaker(SnapshotStore store) {
        this.store = store;
    }

    Snapshot save(Sandbox sandbox, String id, boolean replace, Timings timings) {
        Sandbox.Origin origin = sandbox.origin().orElseThrow(() -> new SandboxException(
                SandboxException.Code.BAD_REQUEST, "only a sandbox restored from a snapshot can be saved as a diff "
                        + "snapshot; this one was booted (--cold)"));
        if (sandbox.broken()) {
            throw new SandboxException(SandboxException.Code.BAD_REQUEST, "this sandbox cannot be saved: an earlier "
                    + "program timed out or its guest failed, so its state is not one to restore");
        }
        RestoreImage parent = origin.image();
        long memoryBytes = (long) parent.manifest().memoryMiB() << 20;
        Path top = origin.disk().top();
        Steps steps = new Steps("diff snapshot " + id, timings);
        try (PendingSnapshot pending = store.begin(id, memoryBytes + HostFiles.size(top), replace);
                MemoryDiffWriter memory = new MemoryDiffWriter(parent.memory(), pending.files(), memoryBytes)) {
            steps.run("save", () -> sandbox.saveDeviceState(pending.files().vmstate(), receiver(memory)));
            steps.run("memory", memory::finish);
            steps.run("disk", () -> HostFiles.copy(top, pending.files().disk()));
            return steps.run("publish", () -> pending.commit(manifest(parent, id)));
        }
    }

    private static GuestPages receiver(MemoryDiffWriter memory) {
        return new GuestPages() {
            @Override
            public void page(long offset, MemorySegment content) {
                memory.page(offset, content);
            }

            @Override
            public void zeroPage(long offset) {
                memory.zeroPage(offset);
            }
        };
    }

    /** The parent's machine and inputs, for they are the diff's too; the store fills in the files. */
    private static Manifest manifest(RestoreImage parent, String id) {
        Manifest p = parent.manifest();
        return new Manifest(Manifest.FORMAT_VERSION, id, p.language(), p.vmm(), p.vmmVersion(), p.accelerator(),
                p.cpuModel(), p.memoryMiB(), p.vcpus(), p.kernelDigest(), p.initrdDigest(), p.rootfsDigest(),
                p.agentVersion(), p.cmdline(), null, p.id(), parent.manifestSha256(), Map.of(), p.warmUpDigest());
    }
}
