package dev.thaw.snapshot;

import java.time.Instant;

/**
 * A published snapshot.
 *
 * @param allocatedBytes disk blocks its files occupy (memory files are sparse)
 * @param apparentBytes  sum of its files' sizes
 * @param lastUsed       last restore from it, or its creation
 */
public record Snapshot(Manifest manifest, SnapshotFiles files, long allocatedBytes, long apparentBytes,
        Instant lastUsed) {}
