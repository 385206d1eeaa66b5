package dev.thaw.snapshot;

import java.nio.file.Files;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Which snapshot to evict next to make room: the least recently used one that is neither
 * pinned (mapped by a running VM, or a parent of diffs) nor the one being made room for.
 * One at a time, because evicting a diff can unpin its parent.
 */
final class Eviction {

    private Eviction() {}

    static Optional<Snapshot> next(List<Snapshot> snapshots, Set<String> pinned, String protectedId) {
        return snapshots.stream()
                .filter(s -> !pinned.contains(s.manifest().id()) && !s.manifest().id().equals(protectedId))
                .min(Comparator.comparing(Snapshot::lastUsed).thenComparing(s -> s.manifest().id()));
    }

    /** Snapshots whose plain memory file could go (their pack stays), least recently used first. */
    static List<Snapshot> unpackedByAge(List<Snapshot> snapshots, Set<String> pinned, String protectedId) {
        return snapshots.stream()
                .filter(s -> unpackedBytes(s) > 0)
                .filter(s -> !pinned.contains(s.manifest().id()) && !s.manifest().id().equals(protectedId))
                .sorted(Comparator.comparing(Snapshot::lastUsed).thenComparing(s -> s.manifest().id()))
                .toList();
    }

    static long unpackedBytes(List<Snapshot> snapshots) {
        return snapshots.stream().mapToLong(Eviction::unpackedBytes).sum();
    }

    /** Disk taken by a snapshot's plain memory file beside its pack: 0 when either is missing. */
    static long unpackedBytes(Snapshot snapshot) {
        SnapshotFiles files = snapshot.files();
        if (!Files.isRegularFile(files.packedMemory()) || !Files.isRegularFile(files.memory())) {
            return 0;
        }
        return MemoryFiles.allocatedBytes(files.memory());
    }

    static long bytes(List<Snapshot> snapshots) {
        return snapshots.stream().mapToLong(Snapshot::allocatedBytes).sum();
    }

    /** Bytes that no eviction can free: pinned snapshots and the protected one. */
    static long keptBytes(List<Snapshot> snapshots, Set<String> pinned, String protectedId) {
        return bytes(snapshots.stream()
                .filter(s -> pinned.contains(s.manifest().id()) || s.manifest().id().equals(protectedId)).toList());
    }

    static long pinnedBytes(List<Snapshot> snapshots, Set<String> pinned) {
        return bytes(snapshots.stream().filter(s -> pinned.contains(s.manifest().id())).toList());
    }
}
