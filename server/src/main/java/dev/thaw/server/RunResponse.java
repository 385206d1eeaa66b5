package dev.thaw.server;

import dev.thaw.sandbox.RunResult;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** The answer of {@code POST /v1/run}: output as UTF-8 text (invalid bytes become U+FFFD). */
record RunResponse(String stdout, String stderr, int exitCode, int signal, boolean timedOut, boolean truncated,
        String mode, Map<String, Double> timings) {

    static RunResponse of(RunResult result) {
        return new RunResponse(text(result.stdout()), text(result.stderr()), result.exitCode(), result.signal(),
                result.timedOut(), result.truncated(), result.mode(), result.timings().asMap());
    }

    static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
