package dev.thaw.snapshot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How a local store uses its disk.
 *
 * @param capacityBytes bound on the disk blocks snapshots occupy (allocated, not apparent
 *                      bytes); least recently used snapshots are evicted to stay within it
 * @param sparse        free the zero pages of memory files (holes), or, for comparison,
 *                      keep every block allocated
 */
public record StoreOptions(long capacityBytes, boolean sparse) {

    /** The share of the free disk a store takes when not told: room for the rest of the host. */
    static final double DEFAULT_SHARE_OF_FREE_DISK = 0.5;

    public StoreOptions {
        if (capacityBytes <= 0) {
            throw new IllegalArgumentException("the store capacity must be positive, was " + capacityBytes);
        }
    }

    /** Half of the space free on the store's file system now, plus what its snapshots already use. */
    public static StoreOptions defaults(Path root) {
        return new StoreOptions(defaultCapacity(root), true);
    }

    public StoreOptions withCapacity(long bytes) {
        return new StoreOptions(bytes, sparse);
    }

    public StoreOptions withSparse(boolean on) {
        return new StoreOptions(capacityBytes, on);
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
