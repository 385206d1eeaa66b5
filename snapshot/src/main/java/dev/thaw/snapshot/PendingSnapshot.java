package dev.thaw.snapshot;

import java.time.Duration;
import java.util.Map;

/** A snapshot being written; see {@link SnapshotStore#begin}. */
public interface PendingSnapshot extends AutoCloseable {

    /** Where to write the snapshot's files: a staging directory no reader sees. */
    SnapshotFiles files();

    /**
     * Records size and sha256 of every file in the manifest, syncs everything and publishes
     * the snapshot with one atomic rename. Of {@code manifest}, the format version, id and
     * files are the store's to fill in; a null creation time becomes now. On failure the
     * staging directory is removed (a full disk fails with DISK_FULL) and a replaced
     * snapshot stays as it was. Callable once.
     */
    Snapshot commit(Manifest manifest);

    /** What the commit spent its time on, for benchmarks: empty before {@link #commit}. */
    Map<CommitPhase, Duration> commitPhases();

    /** Phases of a commit that take time in proportion to the snapshot's size. */
    enum CommitPhase {
        /** Freeing the memory file's zero pages (or allocating every block, without sparse files). */
        SPARSE,
        /** fsync of each file. */
        SYNC,
        /** sha256 of each file. */
        CHECKSUM,
        /** Compressing the memory file into the pack kept at rest. */
        PACK
    }

    /** Removes the staging directory unless the snapshot was committed. */
    @Override
    void close();
}
