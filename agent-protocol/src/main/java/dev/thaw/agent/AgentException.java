package dev.thaw.agent;

/** A failure talking to the guest agent; {@link #code()} says which kind. */
public final class AgentException extends RuntimeException {

    public enum Code {
        /** The channel's socket could not be connected. */
        CONNECT,
        /** No answer before the deadline. */
        TIMEOUT,
        /** The channel closed: the VMM or the guest went away. */
        CLOSED,
        /** A frame broke the protocol. */
        PROTOCOL,
        /** The agent answered with FAILURE. */
        GUEST_FAILURE
    }

    private final Code code;

    public AgentException(Code code, String message) {
        super(message);
        this.code = code;
    }

    public AgentException(Code code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public Code code() {
        return code;
    }
}
