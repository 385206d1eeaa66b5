package dev.thaw.snapshot;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Where snapshots live. A local directory today; object storage is a sibling to come.
 * Every method throws {@link SnapshotException}; an id that is not 1-64 of
 * {@code [a-z0-9._-]} starting with a letter or digit is refused with INVALID_ID.
 */
public interface SnapshotStore {

    /**
     * Starts a snapshot: a private staging directory to write its files into. Nothing is
     * visible until {@link PendingSnapshot#commit}; closing without committing removes it.
     *
     * @param expectedBytes disk space the snapshot may need; less free space fails with
     *                      DISK_FULL before anything is written. Least recently used
     *                      snapshots are evicted to keep the store within its capacity; when
     *                      everything left is pinned, it fails with STORE_FULL.
     * @param replace       whether an existing snapshot with this id may be replaced; without
     *                      it an existing id fails with EXISTS, here or at commit
     */
    PendingSnapshot begin(String id, long expectedBytes, boolean replace);

    /** The snapshot, without checking its files; empty if there is none with this id. */
    Optional<Snapshot> find(String id);

    /** Every readable snapshot, ordered by id. */
    List<Snapshot> list();

    /**
     * Ids of the snapshots that cannot be evicted now: pinned by a live process, or the
     * parent of a diff snapshot.
     */
    Set<String> pinned();

    /**
     * Pins a snapshot while a VM maps its files: it is not evicted until the pin is closed
     * or its process dies. Pin before {@link #open}, so it cannot go in between.
     */
    SnapshotPin pin(String id);

    /** Fails with NOT_FOUND if there is no such snapshot. */
    void remove(String id);

    /**
     * Opens a snapshot for restoring on a host described by {@code host}: checks that it is
     * compatible (INCOMPATIBLE names every differing field), that every file is present
     * (MISSING_FILE) with its recorded size and sha256 (CORRUPT), re-hashing memory and disk
     * only if they changed since they were last verified, and records the use. A diff
     * snapshot is checked with every snapshot down its chain.
     */
    Snapshot open(String id, HostProfile host);

    /**
     * What restoring an {@link #open opened} snapshot maps. A diff snapshot's memory is its
     * chain's, assembled at the first restore and kept for the next ones.
     */
    RestoreImage restoreImage(Snapshot opened);

    /** Hashes every file and reports each one, whether or not it matches. */
    VerifyReport verify(String id);
}
