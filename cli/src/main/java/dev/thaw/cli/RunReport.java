package dev.thaw.cli;

import dev.thaw.sandbox.RunResult;
import dev.thaw.sandbox.Timings;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** The JSON form of a run, as {@code thaw run --json} prints it. */
record RunReport(
        String stdout,
        String stderr,
        int exitCode,
        int signal,
        boolean timedOut,
        boolean truncated,
        String mode,
        Map<String, Double> timings) {

    static RunReport of(RunResult result) {
        return new RunReport(new String(result.stdout(), StandardCharsets.UTF_8),
                new String(result.stderr(), StandardCharsets.UTF_8), result.exitCode(), result.signal(),
                result.timedOut(), result.truncated(), result.mode(), rounded(result.timings()));
    }

    /** Phase timings with their totals, to a tenth of a millisecond. */
    static Map<String, Double> rounded(Timings timings) {
        Map<String, Double> out = new LinkedHashMap<>();
        timings.asMap().forEach((phase, ms) -> out.put(phase, Math.round(ms * 10) / 10.0));
        return out;
    }
}
