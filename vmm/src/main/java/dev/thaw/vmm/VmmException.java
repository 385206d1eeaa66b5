package dev.thaw.vmm;

/** Any failure of a VMM operation; {@link #code()} says which kind. */
public final class VmmException extends RuntimeException {

    public enum Code {
        /** The VMM binary is missing or could not be started. */
        LAUNCH_FAILED,
        /** The VMM process exited while it was expected to run. */
        EXITED,
        /** The VMM rejected a command (QMP error) or answered unexpectedly. */
        COMMAND_FAILED,
        /** The VMM did not reach the expected state before a deadline. */
        TIMEOUT,
        /** An operation was asked for in a state that does not allow it. */
        ILLEGAL_STATE,
        /** Host I/O failed (sockets, files, disk full). */
        IO
    }

    private final Code code;

    public VmmException(Code code, String message) {
        super(message);
        this.code = code;
    }

    public VmmException(Code code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public Code code() {
        return code;
    }
}
