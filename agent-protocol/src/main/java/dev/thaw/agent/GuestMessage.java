package dev.thaw.agent;

/** Messages the guest agent sends to the host (PROTOCOL.md, "Guest to host"). */
public sealed interface GuestMessage {

    /** The agent is up; {@code residentRunner} says whether a runtime is loaded and waiting. */
    record Ready(long nonce, String agentVersion, boolean residentRunner) implements GuestMessage {}

    /** The entropy and time of a SEED were applied. */
    record Seeded() implements GuestMessage {}

    /** A program ended; see PROTOCOL.md for how exit code and signal relate. */
    record Result(int exitCode, int signal, boolean timedOut, boolean stdoutTruncated, boolean stderrTruncated,
            long durationMicros, byte[] stdout, byte[] stderr) implements GuestMessage {}

    /** The agent could not run a request; the message says why. */
    record Failure(String message) implements GuestMessage {}
}
