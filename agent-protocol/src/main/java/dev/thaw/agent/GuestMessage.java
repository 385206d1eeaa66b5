package dev.thaw.agent;

import java.util.Arrays;
import java.util.Objects;

/** Messages the guest agent sends to the host (PROTOCOL.md, "Guest to host"). */
public sealed interface GuestMessage {

    /**
     * The agent is up; {@code residentRunner} says whether a runtime is loaded and waiting now,
     * {@code residentLoading} whether one was started and is still loading (it may take minutes:
     * the agent serves meanwhile). Neither: the image has none, or it ended.
     */
    record Ready(long nonce, String agentVersion, boolean residentRunner, boolean residentLoading)
            implements GuestMessage {}

    /** The entropy and time of a SEED were applied. */
    record Seeded() implements GuestMessage {}

    /**
     * A program ended. {@code exitCode} is its exit status, or 128 + {@code signal} when a
     * signal ended it ({@code signal} is 0 otherwise); the truncated flags say that the
     * output cap dropped bytes of that stream.
     */
    record Result(int exitCode, int signal, boolean timedOut, boolean stdoutTruncated, boolean stderrTruncated,
            long durationMicros, byte[] stdout, byte[] stderr) implements GuestMessage {

        public Result {
            Objects.requireNonNull(stdout, "stdout");
            Objects.requireNonNull(stderr, "stderr");
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Result r && r.exitCode == exitCode && r.signal == signal && r.timedOut == timedOut
                    && r.stdoutTruncated == stdoutTruncated && r.stderrTruncated == stderrTruncated
                    && r.durationMicros == durationMicros && Arrays.equals(r.stdout, stdout)
                    && Arrays.equals(r.stderr, stderr);
        }

        @Override
        public int hashCode() {
            return Objects.hash(exitCode, signal, timedOut, durationMicros, Arrays.hashCode(stdout),
                    Arrays.hashCode(stderr));
        }

        @Override
        public String toString() {
            return "Result[exitCode=" + exitCode + ", signal=" + signal + ", timedOut=" + timedOut
                    + ", stdoutTruncated=" + stdoutTruncated + ", stderrTruncated=" + stderrTruncated
                    + ", durationMicros=" + durationMicros + ", stdout=" + stdout.length + " bytes, stderr="
                    + stderr.length + " bytes]";
        }
    }

    /** The agent could not do what was asked; the message says why. */
    record Failure(String message) implements GuestMessage {}

    /** The answer to PUT_FILE: the file is written. */
    record FileStored() implements GuestMessage {}

    /** The answer to GET_FILE: the file's content. */
    record FileData(byte[] data) implements GuestMessage {

        @Override
        public boolean equals(Object o) {
            return o instanceof FileData f && java.util.Arrays.equals(f.data, data);
        }

        @Override
        public int hashCode() {
            return java.util.Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            return "FileData[" + data.length + " bytes]";
        }
    }
}
