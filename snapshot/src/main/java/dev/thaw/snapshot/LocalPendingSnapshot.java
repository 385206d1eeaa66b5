package dev.thaw.snapshot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.Map;
import java.util.TreeMap;

/** A snapshot being written into a staging directory of a {@link LocalSnapshotStore}. */
final class LocalPendingSnapshot implements PendingSnapshot {

    private final LocalSnapshotStore store;
    private final String id;
    private final Path staging;
    private final InstantSource clock;
    private boolean committed;

    LocalPendingSnapshot(LocalSnapshotStore store, String id, Path staging, InstantSource clock) {
        this.store = store;
        this.id = id;
        this.staging = staging;
        this.clock = clock;
    }

    @Override
    public SnapshotFiles files() {
        return new SnapshotFiles(staging);
    }

    @Override
    public Snapshot commit(Manifest draft) {
        try {
            Map<String, Manifest.FileEntry> entries = new TreeMap<>();
            Map<String, String> verified = new TreeMap<>();
            for (String name : java.util.List.of(SnapshotFiles.MEMORY, SnapshotFiles.VMSTATE, SnapshotFiles.DISK)) {
                Path file = staging.resolve(name);
                if (!Files.isRegularFile(file)) {
                    throw new SnapshotException(SnapshotException.Code.MISSING_FILE, "snapshot '" + id
                            + "' cannot be published: its " + name + " was not written");
                }
                StagingDirs.fsync(file);
                entries.put(name, new Manifest.FileEntry(Files.size(file), FileFacts.sha256(file)));
                verified.put(name, FileFacts.changeKey(file));
            }
            Manifest manifest = withFiles(draft, entries);
            Path manifestFile = files().manifest();
            Files.write(manifestFile, ManifestCodec.encode(manifest));
            StagingDirs.fsync(manifestFile);
            VerifiedFiles.write(staging, verified);
            StagingDirs.fsync(staging);
            store.publish(id, staging);
            committed = true;
            return store.find(id).orElseThrow();
        } catch (IOException e) {
            throw StoreFailures.io("cannot publish snapshot '" + id + "'", e);
        }
    }

    private Manifest withFiles(Manifest m, Map<String, Manifest.FileEntry> files) {
        return new Manifest(Manifest.FORMAT_VERSION, id, m.language(), m.vmm(), m.vmmVersion(), m.accelerator(),
                m.cpuModel(), m.memoryMiB(), m.vcpus(), m.kernelDigest(), m.initrdDigest(), m.rootfsDigest(),
                m.agentVersion(), m.cmdline(), m.createdAt() != null ? m.createdAt() : clock.instant(), m.parent(), files);
    }

    @Override
    public void close() {
        if (!committed) {
            StagingDirs.delete(staging);
        }
    }
}
