package dev.thaw.sandbox;

/**
 * What a program did.
 *
 * @param exitCode       the program's exit status, or 128 + signal if a signal ended it
 * @param mode           how the sandbox started: {@code cold} (booted) or {@code restore}
 * @param guestMicros    the program's run time measured inside the guest
 */
public record RunResult(
        byte[] stdout,
        byte[] stderr,
        int exitCode,
        int signal,
        boolean timedOut,
        boolean stdoutTruncated,
        boolean stderrTruncated,
        String mode,
        long guestMicros,
        Timings timings) {

    public boolean truncated() {
        return stdoutTruncated || stderrTruncated;
    }
}
