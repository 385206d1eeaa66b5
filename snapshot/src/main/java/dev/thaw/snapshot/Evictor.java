package dev.thaw.snapshot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * Keeps a {@link LocalSnapshotStore} within its capacity: evicts snapshots in the order
 * {@link Eviction} gives until a new one fits, or says why it cannot. A victim is chosen and
 * renamed out of sight under the {@link StoreLock}, so that no restore pins it in between;
 * its files are deleted after, with the lock released.
 */
final class Evictor {

    private static final System.Logger LOG = System.getLogger(Evictor.class.getName());

    private final LocalSnapshotStore store;
    private final StoreLock lock;

    Evictor(LocalSnapshotStore store, StoreLock lock) {
        this.store = store;
        this.lock = lock;
    }

    /**
     * Evicts least recently used snapshots until {@code bytes} more fit within the capacity.
     * {@code id} itself is never evicted: a replace keeps the old one until the new one is in.
     *
     * @throws SnapshotException STORE_FULL when what cannot be evicted leaves no room
     */
    void makeRoom(String id, long bytes) {
        if (Eviction.bytes(store.listQuietly()) + bytes <= store.options().capacityBytes()) {
            return; // the common case takes no lock
        }
        while (true) {
            Path hidden;
            try {
                hidden = lock.holding(() -> hideNextVictim(id, bytes));
            } catch (IOException e) {
                throw StoreFailures.io("cannot make room for snapshot '" + id + "'", store.root(), e);
            }
            if (hidden == null) {
                return;
            }
            StagingDirs.delete(hidden);
        }
    }

    /**
     * Deletes the plain memory files of packed snapshots, least recently used first, until
     * those left take at most the store's unpacked capacity. Never {@code keep}'s, nor a
     * pinned snapshot's: a restore pins before it maps, so no file goes between the two.
     */
    void trimUnpacked(String keep) {
        if (Eviction.unpackedBytes(store.listQuietly()) <= store.options().unpackedCapacityBytes()) {
            return; // the common case takes no lock
        }
        try {
            lock.holding(() -> {
                List<Snapshot> all = store.listQuietly();
                Set<String> pinned = store.pinned(all);
                long unpacked = Eviction.unpackedBytes(all);
                for (Snapshot victim : Eviction.unpackedByAge(all, pinned, keep)) {
                    if (unpacked <= store.options().unpackedCapacityBytes()) {
                        break;
                    }
                    unpacked -= Eviction.unpackedBytes(victim);
                    Files.deleteIfExists(victim.files().memory());
                }
                return null;
            });
        } catch (IOException e) {
            throw StoreFailures.io("cannot drop unpacked memory files", store.root(), e);
        }
    }

    /** The next victim, renamed to a trash directory; null when {@code bytes} more fit already. */
    private Path hideNextVictim(String id, long bytes) throws IOException {
        long capacity = store.options().capacityBytes();
        while (true) {
            List<Snapshot> all = store.listQuietly();
            Set<String> pinned = store.pinned(all);
            long used = Eviction.bytes(all);
            if (used + bytes <= capacity) {
                return null;
            }
            if (Eviction.keptBytes(all, pinned, id) + bytes > capacity) {
                throw storeFull(id, bytes, used, Eviction.pinnedBytes(all, pinned)); // evicting would not help
            }
            Snapshot victim = Eviction.next(all, pinned, id).orElseThrow();
            LOG.log(System.Logger.Level.INFO, "evicting snapshot ''{0}'' ({1}, last used {2}) to make room for ''{3}''",
                    victim.manifest().id(), LocalSnapshotStore.mib(victim.allocatedBytes()), victim.lastUsed(), id);
            try {
                return store.hide(victim.manifest().id());
            } catch (NoSuchFileException e) {
                // removed meanwhile (thaw snapshot rm takes no lock): look again
            }
        }
    }

    private SnapshotException storeFull(String id, long bytes, long used, long pinnedBytes) {
        return new SnapshotException(SnapshotException.Code.STORE_FULL, String.format(
                "snapshot '%s' needs up to %s but the store's capacity is %s, of which %s are used and %s pinned "
                        + "(mapped by running sandboxes, or parents of diff snapshots), so nothing more can be "
                        + "evicted. Raise --store-capacity, stop sandboxes, or remove snapshots (thaw snapshot list)",
                id, LocalSnapshotStore.mib(bytes), LocalSnapshotStore.mib(store.options().capacityBytes()),
                LocalSnapshotStore.mib(used), LocalSnapshotStore.mib(pinnedBytes)));
    }
}
