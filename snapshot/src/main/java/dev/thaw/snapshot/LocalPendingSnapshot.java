package dev.thaw.snapshot;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A snapshot being written into a staging directory of a {@link LocalSnapshotStore}. */
final class LocalPendingSnapshot implements PendingSnapshot {

    private static final System.Logger LOG = System.getLogger(LocalPendingSnapshot.class.getName());

    /** The files every snapshot has; a diff snapshot also has its page map. */
    private static final List<String> FILES = List.of(SnapshotFiles.MEMORY, SnapshotFiles.VMSTATE, SnapshotFiles.DISK);
    private static final List<String> DIFF_FILES = List.of(SnapshotFiles.MEMORY, SnapshotFiles.MEMORY_PAGES,
            SnapshotFiles.VMSTATE, SnapshotFiles.DISK);

    private final LocalSnapshotStore store;
    private final String id;
    private final Path staging;
    private final boolean replace;
    private final InstantSource clock;
    private boolean finished;
    private final Map<CommitPhase, Duration> phases = new java.util.EnumMap<>(CommitPhase.class);

    LocalPendingSnapshot(LocalSnapshotStore store, String id, Path staging, boolean replace, InstantSource clock) {
        this.store = store;
        this.id = id;
        this.staging = staging;
        this.replace = replace;
        this.clock = clock;
    }

    @Override
    public SnapshotFiles files() {
        return new SnapshotFiles(staging);
    }

    /**
     * Any failure removes the staging directory: the VM that wrote the files is gone, so
     * there is nothing to retry with, and a full disk must not stay full.
     */
    @Override
    public synchronized Snapshot commit(Manifest draft) {
        if (finished) {
            throw new IllegalStateException("snapshot '" + id + "' was already committed or closed");
        }
        finished = true;
        try {
            writeAndPublish(draft);
        } catch (FileAlreadyExistsException e) {
            StagingDirs.delete(staging);
            throw LocalSnapshotStore.exists(id);
        } catch (IOException e) {
            StagingDirs.delete(staging);
            throw StoreFailures.io("cannot commit snapshot '" + id + "'", staging, e);
        } catch (RuntimeException e) {
            StagingDirs.delete(staging);
            throw e;
        }
        try {
            store.trimUnpacked(id); // the new snapshot's memory is unpacked, and likely to be restored soon
            store.makeRoom(id, 0); // the real size may exceed the estimate: evict others if so
        } catch (SnapshotException e) {
            LOG.log(System.Logger.Level.WARNING, "snapshot '" + id + "' is in, but the store is over its capacity: "
                    + e.getMessage());
        }
        return store.find(id).orElseThrow();
    }

    private void writeAndPublish(Manifest draft) throws IOException {
        Map<String, Manifest.FileEntry> entries = new TreeMap<>();
        Map<String, String> verified = new TreeMap<>();
        for (String name : draft.isDiff() ? DIFF_FILES : FILES) {
            Path file = staging.resolve(name);
            if (!Files.isRegularFile(file)) {
                throw new SnapshotException(SnapshotException.Code.MISSING_FILE, "snapshot '" + id
                        + "' cannot be committed: its " + name + " was not written to " + file);
            }
            if (name.equals(SnapshotFiles.MEMORY) && !draft.isDiff()) {
                timed(CommitPhase.SPARSE, () -> storeMemory(file));
            }
            timed(CommitPhase.SYNC, () -> StagingDirs.fsync(file));
            String sha256 = timed(CommitPhase.CHECKSUM, () -> FileFacts.sha256(file));
            if (name.equals(SnapshotFiles.MEMORY) && !draft.isDiff() && store.options().sparse()) {
                timed(CommitPhase.PACK, () -> PackedMemory.pack(file, sha256, files().packedMemory()));
            }
            entries.put(name, new Manifest.FileEntry(Files.size(file), sha256));
            verified.put(name, FileFacts.changeKey(file)); // hashing at commit counts as a verification
        }
        Path manifestFile = files().manifest();
        Files.write(manifestFile, ManifestCodec.encode(withFiles(draft, entries)));
        StagingDirs.fsync(manifestFile);
        ManifestDigest.write(staging);
        VerifiedFiles.write(staging, verified);
        StagingDirs.fsync(staging);
        StagingDirs.publish(staging, store.root().resolve(id), replace);
    }

    /**
     * A VM leaves zero pages allocated wherever its guest wrote zeros; a sparse store frees
     * them, a store told not to be sparse allocates every block (to compare).
     */
    private void storeMemory(Path memory) throws IOException {
        if (store.options().sparse()) {
            SparseFiles.punchZeroPages(memory);
        } else {
            SparseFiles.allocateFully(memory);
        }
    }

    /** The caller's manifest with what only the store knows: format, id, time and files. */
    private Manifest withFiles(Manifest m, Map<String, Manifest.FileEntry> files) {
        return new Manifest(Manifest.FORMAT_VERSION, id, m.language(), m.vmm(), m.vmmVersion(), m.accelerator(),
                m.cpuModel(), m.memoryMiB(), m.vcpus(), m.kernelDigest(), m.initrdDigest(), m.rootfsDigest(),
                m.agentVersion(), m.cmdline(), m.createdAt() != null ? m.createdAt() : clock.instant(), m.parent(),
                m.parentManifestSha256(), files, m.warmUpDigest());
    }

    private <T> T timed(CommitPhase phase, IoSupplier<T> step) throws IOException {
        long start = System.nanoTime();
        try {
            return step.get();
        } finally {
            phases.merge(phase, Duration.ofNanos(System.nanoTime() - start), Duration::plus);
        }
    }

    private void timed(CommitPhase phase, IoRunnable step) throws IOException {
        timed(phase, () -> {
            step.run();
            return null;
        });
    }

    private interface IoSupplier<T> {
        T get() throws IOException;
    }

    private interface IoRunnable {
        void run() throws IOException;
    }

    @Override
    public synchronized Map<CommitPhase, Duration> commitPhases() {
        return Map.copyOf(phases);
    }

    @Override
    public synchronized void close() {
        if (!finished) {
            finished = true;
            StagingDirs.delete(staging);
        }
    }
}
