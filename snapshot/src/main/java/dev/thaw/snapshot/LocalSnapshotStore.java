package dev.thaw.snapshot;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Snapshots as directories under one root:
 * <pre>
 *   ID/manifest.json  ID/memory  ID/vmstate  ID/disk.qcow2  ID/verified.json  ID/last-used
 *   .staging-ID-PID-N/    a snapshot being written by process PID
 * </pre>
 * A snapshot becomes visible by one rename of its finished staging directory.
 */
public final class LocalSnapshotStore implements SnapshotStore {

    private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
    static final String LAST_USED = "last-used";
    /** Files small enough to hash at every restore: the device state. */
    private static final List<String> ALWAYS_HASHED = List.of(SnapshotFiles.VMSTATE);

    private final Path root;
    private final InstantSource clock;

    public LocalSnapshotStore(Path root, InstantSource clock) {
        this.root = root;
        this.clock = clock;
        StagingDirs.removeLeftovers(root);
    }

    public Path root() {
        return root;
    }

    @Override
    public PendingSnapshot begin(String id, long expectedBytes, boolean replace) {
        checkId(id);
        if (!replace && Files.exists(root.resolve(id))) {
            throw new SnapshotException(SnapshotException.Code.EXISTS, "snapshot '" + id
                    + "' exists; remove it (thaw snapshot rm " + id + ") or replace it (--replace)");
        }
        try {
            Files.createDirectories(root);
            long free = Files.getFileStore(root).getUsableSpace();
            if (free < expectedBytes) {
                throw new SnapshotException(SnapshotException.Code.DISK_FULL, String.format(
                        "creating snapshot '%s' needs up to %d MiB in %s, but only %d MiB are free; free some space "
                                + "or move Thaw's home with --home", id, expectedBytes >> 20, root, free >> 20));
            }
            return new LocalPendingSnapshot(this, id, StagingDirs.create(root, id), clock);
        } catch (IOException e) {
            throw StoreFailures.io("cannot start snapshot '" + id + "' in " + root, e);
        }
    }

    /** Publishes a finished staging directory as {@code id}, replacing what was there. */
    void publish(String id, Path staging) throws IOException {
        Path target = root.resolve(id);
        Path old = null;
        if (Files.exists(target)) {
            old = StagingDirs.trashName(root, id);
            Files.move(target, old, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
        Files.move(staging, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        StagingDirs.fsync(root);
        if (old != null) {
            StagingDirs.delete(old);
        }
    }

    @Override
    public Optional<Snapshot> find(String id) {
        if (!ID.matcher(id).matches() || !Files.isDirectory(root.resolve(id))) {
            return Optional.empty();
        }
        SnapshotFiles files = new SnapshotFiles(root.resolve(id));
        if (!Files.exists(files.manifest())) {
            return Optional.empty();
        }
        return Optional.of(describe(ManifestCodec.read(files.manifest(), id), files));
    }

    @Override
    public List<Snapshot> list() {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        List<Snapshot> snapshots = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path dir : dirs.filter(d -> ID.matcher(d.getFileName().toString()).matches()).sorted().toList()) {
                try {
                    find(dir.getFileName().toString()).ifPresent(snapshots::add);
                } catch (SnapshotException e) {
                    // a damaged snapshot is still listed by `verify`, not by list
                }
            }
        } catch (IOException e) {
            throw StoreFailures.io("cannot list " + root, e);
        }
        return snapshots;
    }

    @Override
    public void remove(String id) {
        checkId(id);
        Path dir = root.resolve(id);
        if (!Files.isDirectory(dir)) {
            throw notFound(id);
        }
        try {
            Path trash = StagingDirs.trashName(root, id);
            Files.move(dir, trash, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            StagingDirs.delete(trash);
        } catch (IOException e) {
            throw StoreFailures.io("cannot remove snapshot '" + id + "'", e);
        }
    }

    @Override
    public Snapshot open(String id, HostProfile host) {
        checkId(id);
        Snapshot snapshot = find(id).orElseThrow(() -> notFound(id));
        Compatibility.check(snapshot.manifest(), host);
        Integrity.check(snapshot, ALWAYS_HASHED);
        touch(snapshot.files().dir().resolve(LAST_USED));
        return snapshot;
    }

    @Override
    public VerifyReport verify(String id) {
        checkId(id);
        Snapshot snapshot = find(id).orElseThrow(() -> notFound(id));
        return Integrity.verifyAll(snapshot);
    }

    private Snapshot describe(Manifest manifest, SnapshotFiles files) {
        long allocated = 0;
        long apparent = 0;
        for (String name : manifest.files().keySet()) {
            Path file = files.dir().resolve(name);
            if (Files.exists(file)) {
                allocated += FileFacts.allocatedBytes(file);
                apparent += size(file);
            }
        }
        return new Snapshot(manifest, files, allocated, apparent, lastUsed(files, manifest));
    }

    private static Instant lastUsed(SnapshotFiles files, Manifest manifest) {
        try {
            Path marker = files.dir().resolve(LAST_USED);
            return Files.exists(marker) ? Files.getLastModifiedTime(marker).toInstant() : manifest.createdAt();
        } catch (IOException e) {
            return manifest.createdAt();
        }
    }

    private void touch(Path marker) {
        try {
            if (!Files.exists(marker)) {
                Files.createFile(marker);
            }
            Files.setLastModifiedTime(marker, FileTime.from(clock.instant()));
        } catch (IOException e) {
            // last use only orders eviction; failing to record it is harmless
        }
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void checkId(String id) {
        if (id == null || !ID.matcher(id).matches()) {
            throw new SnapshotException(SnapshotException.Code.INVALID_ID, "'" + id + "' is not a valid snapshot id: "
                    + "use 1 to 64 lowercase letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
    }

    private SnapshotException notFound(String id) {
        return new SnapshotException(SnapshotException.Code.NOT_FOUND, "no snapshot '" + id + "' in " + root
                + "; see: thaw snapshot list");
    }
}
