package dev.thaw.sandbox;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One program to run in a fresh sandbox.
 *
 * @param snapshotId restore from this snapshot instead of the language's own; null for the
 *                   language's
 * @param cold       boot a fresh VM instead of restoring one, to compare
 * @param network    give the sandbox a network namespace of its own, reachable from the
 *                   host; without it the guest's card is unplugged
 * @param timeout    null for the language's default ({@link Language#defaultTimeout()})
 * @param args       the program's command-line arguments
 */
public record RunRequest(
        String language,
        byte[] code,
        byte[] stdin,
        Map<String, String> env,
        Duration timeout,
        int outputCapBytes,
        boolean cold,
        String snapshotId,
        boolean network,
        List<String> args) {

    public static final Duration MAX_TIMEOUT = Duration.ofMinutes(10);
    public static final int DEFAULT_OUTPUT_CAP = 1 << 20;
    public static final int MAX_OUTPUT_CAP = 16 << 20;
    public static final int MAX_CODE_BYTES = 4 << 20;
    public static final int MAX_STDIN_BYTES = 16 << 20;
    /** Far below the guest kernel's own limit on argv, so a program always gets them all. */
    public static final int MAX_ARGS_BYTES = 64 << 10;

    public RunRequest {
        Objects.requireNonNull(language, "language");
        Objects.requireNonNull(code, "code");
        stdin = stdin == null ? new byte[0] : stdin;
        env = env == null ? Map.of() : Map.copyOf(env);
        validate(code, timeout, outputCapBytes, env);
        if (stdin.length > MAX_STDIN_BYTES) {
            throw bad("stdin is " + stdin.length + " bytes; the limit is " + MAX_STDIN_BYTES);
        }
        args = args == null ? List.of() : List.copyOf(args);
        validate(args);
    }

    /** A request without network. */
    public RunRequest(String language, byte[] code, byte[] stdin, Map<String, String> env, Duration timeout,
            int outputCapBytes, boolean cold, String snapshotId) {
        this(language, code, stdin, env, timeout, outputCapBytes, cold, snapshotId, false, List.of());
    }

    /** The timeout this request runs under in {@code language}. */
    public Duration timeoutIn(Language language) {
        return timeout != null ? timeout : language.defaultTimeout();
    }

    public static RunRequest of(String language, String code) {
        return new RunRequest(language, code.getBytes(StandardCharsets.UTF_8), null, null, null,
                DEFAULT_OUTPUT_CAP, false, null);
    }

    public RunRequest withCold(boolean cold) {
        return new RunRequest(language, code, stdin, env, timeout, outputCapBytes, cold, snapshotId, network, args);
    }

    public RunRequest withNetwork(boolean network) {
        return new RunRequest(language, code, stdin, env, timeout, outputCapBytes, cold, snapshotId, network, args);
    }

    public RunRequest withArgs(List<String> args) {
        return new RunRequest(language, code, stdin, env, timeout, outputCapBytes, cold, snapshotId, network, args);
    }

    private static void validate(List<String> args) {
        long bytes = 0;
        for (String arg : args) {
            if (arg == null || arg.indexOf('\0') >= 0) {
                throw bad("arguments must be strings without NUL");
            }
            bytes += arg.getBytes(StandardCharsets.UTF_8).length + 1;
        }
        if (bytes > MAX_ARGS_BYTES) {
            throw bad("arguments take " + bytes + " bytes; the limit is " + MAX_ARGS_BYTES);
        }
    }

    private static void validate(byte[] code, Duration timeout, int cap, Map<String, String> env) {
        if (code.length > MAX_CODE_BYTES) {
            throw bad("code is " + code.length + " bytes; the limit is " + MAX_CODE_BYTES);
        }
        if (timeout != null && (timeout.isNegative() || timeout.isZero() || timeout.compareTo(MAX_TIMEOUT) > 0)) {
            throw bad("timeout must be between 1 ms and " + MAX_TIMEOUT.toMinutes() + " min, was "
                    + timeout.toMillis() + " ms");
        }
        if (cap < 1 || cap > MAX_OUTPUT_CAP) {
            throw bad("output cap must be between 1 byte and " + MAX_OUTPUT_CAP + " bytes, was " + cap);
        }
        env.forEach((name, value) -> {
            if (name.isEmpty() || name.contains("=") || name.indexOf('\0') >= 0 || value.indexOf('\0') >= 0) {
                throw bad("environment variable names must be non-empty without '=' or NUL, and values "
                        + "without NUL; got '" + name + "'");
            }
        });
    }

    private static SandboxException bad(String message) {
        return new SandboxException(SandboxException.Code.BAD_REQUEST, message);
    }
}
