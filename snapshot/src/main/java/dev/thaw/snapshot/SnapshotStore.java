package dev.thaw.snapshot;

import java.util.List;
import java.util.Optional;

/** Where snapshots live. A local directory today; object storage is a sibling to come. */
public interface SnapshotStore {

    /**
     * Starts a snapshot: a private staging directory to write its files into. Nothing is
     * visible until {@link PendingSnapshot#commit}; closing without committing removes it.
     *
     * @param expectedBytes disk space the snapshot may need; checked before anything is written
     * @param replace       whether an existing snapshot with this id may be replaced
     */
    PendingSnapshot begin(String id, long expectedBytes, boolean replace);

    Optional<Snapshot> find(String id);

    List<Snapshot> list();

    void remove(String id);

    /**
     * Opens a snapshot for restoring on a host described by {@code host}: checks that it is
     * compatible and that its files are whole, re-hashing large files only if they changed
     * since they were last verified, and records the use.
     */
    Snapshot open(String id, HostProfile host);

    /** Checks every file against its recorded sha256. */
    VerifyReport verify(String id);
}
