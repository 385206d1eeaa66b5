package dev.thaw.snapshot;

import java.io.IOException;

/** Maps I/O failures of the store to {@link SnapshotException}s, a full disk to DISK_FULL. */
final class StoreFailures {

    private StoreFailures() {}

    static SnapshotException io(String what, IOException e) {
        boolean full = e.getMessage() != null && e.getMessage().contains("No space left on device");
        return new SnapshotException(full ? SnapshotException.Code.DISK_FULL : SnapshotException.Code.IO,
                what + ": " + (full ? "the disk is full; free some space or move Thaw's home with --home" : e.getMessage()), e);
    }
}
