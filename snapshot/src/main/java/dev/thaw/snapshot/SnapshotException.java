package dev.thaw.snapshot;

/** A snapshot cannot be found, trusted, restored here or stored; the message says what to do. */
public final class SnapshotException extends RuntimeException {

    public enum Code {
        NOT_FOUND,
        /** An id that is not 1-64 of {@code [a-z0-9._-]}, starting with a letter or digit. */
        INVALID_ID,
        /** Made with a VMM, accelerator, CPU or guest that differs from this host's. */
        INCOMPATIBLE,
        /** A file's content does not match its recorded sha256 or size. */
        CORRUPT,
        MISSING_FILE,
        /** Not enough free space before starting, or the disk filled up while committing. */
        DISK_FULL,
        /** The id is taken and replacing was not asked for. */
        EXISTS,
        /** The store is at its capacity and everything that could be evicted is pinned. */
        STORE_FULL,
        /** Other snapshots depend on it (diffs made against it). */
        IN_USE,
        IO
    }

    private final Code code;

    public SnapshotException(Code code, String message) {
        super(message);
        this.code = code;
    }

    public SnapshotException(Code code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public Code code() {
        return code;
    }

    /** The advice for a snapshot that cannot be used: make it again. */
    static String recreate(String id, String language) {
        String idOption = id.equals(language) ? "" : " --id " + id;
        return "Recreate it with: thaw snapshot create --lang " + language + idOption + " --replace";
    }
}
