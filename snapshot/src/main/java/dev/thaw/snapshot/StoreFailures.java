package dev.thaw.snapshot;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;

/** Maps I/O failures of the store to {@link SnapshotException}s, a full disk to DISK_FULL. */
final class StoreFailures {

    /** strerror(ENOSPC) and strerror(EDQUOT): the JDK reports both only as text. */
    private static final String[] FULL = {"No space left on device", "Disk quota exceeded"};

    private StoreFailures() {}

    static SnapshotException io(String what, Path where, IOException e) {
        if (diskFull(e)) {
            return new SnapshotException(SnapshotException.Code.DISK_FULL, what + ": the disk holding " + where
                    + " is full; free some space or move Thaw's home with --home", e);
        }
        return new SnapshotException(SnapshotException.Code.IO, what + ": " + e, e);
    }

    static boolean diskFull(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String text = t instanceof FileSystemException f && f.getReason() != null ? f.getReason() : t.getMessage();
            for (String full : FULL) {
                if (text != null && text.contains(full)) {
                    return true;
                }
            }
        }
        return false;
    }
}
