package dev.thaw.sandbox;

/**
 * A failure of a sandbox operation. {@link Code#isUserError()} separates what the caller
 * can fix (bad input) from what went wrong inside Thaw or the guest.
 */
public final class SandboxException extends RuntimeException {

    public enum Code {
        UNKNOWN_LANGUAGE(true),
        BAD_REQUEST(true),
        NOT_FOUND(true),
        SNAPSHOT_UNUSABLE(true),
        DISK_FULL(true),
        GUEST_CRASHED(false),
        IMAGE_BUILD_FAILED(false),
        GUEST_UNRESPONSIVE(false),
        HOST(false);

        private final boolean userError;

        Code(boolean userError) {
            this.userError = userError;
        }

        public boolean isUserError() {
            return userError;
        }
    }

    private final Code code;

    public SandboxException(Code code, String message) {
        super(message);
        this.code = code;
    }

    public SandboxException(Code code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public Code code() {
        return code;
    }
}
