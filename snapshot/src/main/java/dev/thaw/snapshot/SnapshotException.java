package dev.thaw.snapshot;

/** A snapshot cannot be found, trusted, restored here or stored; the message says what to do. */
public final class SnapshotException extends RuntimeException {

    public enum Code {
        NOT_FOUND,
        INVALID_ID,
        /** Made with a VMM, accelerator, CPU or guest that differs from this host's. */
        INCOMPATIBLE,
        /** A file's content does not match its recorded sha256 or size. */
        CORRUPT,
        MISSING_FILE,
        DISK_FULL,
        EXISTS,
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
}
