package dev.thaw.snapshot;

/** A snapshot being written; see {@link SnapshotStore#begin}. */
public interface PendingSnapshot extends AutoCloseable {

    /** Where to write the snapshot's files. */
    SnapshotFiles files();

    /**
     * Records size and sha256 of every file in the manifest, syncs everything and publishes
     * the snapshot with one atomic rename. The {@code files} of {@code manifest} are ignored.
     */
    Snapshot commit(Manifest manifest);

    /** Removes the staging directory unless the snapshot was committed. */
    @Override
    void close();
}
