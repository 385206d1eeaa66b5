package dev.thaw.images;

/** A guest image could not be built; the message says which step and what to do. */
public final class ImageException extends RuntimeException {

    public enum Code {
        /** A host tool (apt, debootstrap, gcc, mke2fs, lz4) failed or is missing. */
        TOOL_FAILED,
        /** An input had a form Thaw does not handle (e.g. a kernel compression). */
        UNSUPPORTED,
        /** Host I/O failed. */
        IO
    }

    private final Code code;

    public ImageException(Code code, String message) {
        super(message);
        this.code = code;
    }

    public ImageException(Code code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public Code code() {
        return code;
    }
}
