package dev.thaw.snapshot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How a local store uses its disk.
 *
 * @param capacityBytes         bound on the disk blocks snapshots occupy (allocated, not apparent
 *                              bytes); least recently used snapshots are evicted to stay within it
 * @param sparse                free the zero pages of memory files (holes), and keep each full
 *                              snapshot's memory packed as well; or, for comparison, keep every
 *                              block allocated and nothing packed
 * @param unpackedCapacityBytes bound on the disk that plain memory files of packed snapshots
 *                              take; beyond it the least recently used ones are dropped, to be
 *                              unpacked again by their next restore
 */
public record StoreOptions(long capacityBytes, boolean sparse, long unpackedCapacityBytes) {

    /** The share of the free disk a store takes when not told: room for the rest of the host. */
    static final double DEFAULT_SHARE_OF_FREE_DISK = 0.5;
    /** Room for the memory of about twenty languages' snapshots, unpacked; the rest stay packed. */
    public static final long DEFAULT_UNPACKED_CAPACITY = 2L << 30;

    public StoreOptions {
        if (capacityBytes <= 0) {
            throw new IllegalArgumentException("the store capacity must be positive, was " + capacityBytes);
        }
        if (unpackedCapacityBytes < 0) {
            throw new IllegalArgumentException("the unpacked capacity must be >= 0, was " + unpackedCapacityBytes);
        }
    }

    public StoreOptions(long capacityBytes, boolean sparse) {
        this(capacityBytes, sparse, DEFAULT_UNPACKED_CAPACITY);
    }

    /** Half of the space free on the store's file system now, plus what its snapshots already use. */
    public static StoreOptions defaults(Path root) {
        return new StoreOptions(defaultCapacity(root), true);
    }

    public StoreOptions withCapacity(long bytes) {
        return new StoreOptions(bytes, sparse, unpackedCapacityBytes);
    }

    public StoreOptions withSparse(boolean on) {
        return new StoreOptions(capacityBytes, on, unpackedCapacityBytes);
    }

    public StoreOptions withUnpackedCapacity(long bytes) {
        return new StoreOptions(capacityBytes, sparse, bytes);
    }

    /** Half of the space free on {@code root}'s file system now, plus what is already under it. */
    public static long defaultCapacity(Path root) {
        Path existing = root.toAbsolutePath();
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        try {
            long free = existing == null ? 0 : Files.getFileStore(existing).getUsableSpace();
            return Math.max(1, (long) (free * DEFAULT_SHARE_OF_FREE_DISK) + StoreUsage.allocatedUnder(root));
        } catch (IOException e) {
            return Long.MAX_VALUE; // unknown disk: the free-space check at each create still guards it
        }
    }
}
