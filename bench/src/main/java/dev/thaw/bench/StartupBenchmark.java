package dev.thaw.bench;

import dev.thaw.sandbox.RunRequest;
import dev.thaw.sandbox.RunResult;
import dev.thaw.sandbox.ThawRuntime;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Time to first result: a cold boot against a restore from the language's snapshot, measured
 * in one process on one machine so that their ratio is meaningful on a noisy shared host.
 * Each sample runs from the request to the program's result in hand: start the sandbox
 * (boot, or restore and reseed), run the program, read its output. Discarding the sandbox
 * afterwards is not part of it: the caller already has its answer.
 */
public final class StartupBenchmark {

    private final ThawRuntime runtime;
    private final Consumer<String> log;

    public StartupBenchmark(ThawRuntime runtime, Consumer<String> log) {
        this.runtime = runtime;
        this.log = log;
    }

    public record Report(String language, String program, LatencyStats cold, LatencyStats restore, double ratio) {}

    public Report run(String language, String program, int coldRuns, int restoreRuns) {
        RunRequest restore = RunRequest.of(language, program);
        RunRequest cold = restore.withCold(true);
        log.accept("preparing: image and snapshot for " + language);
        sample(restore, "warm-up", 1); // builds the image and snapshot outside the measurement
        LatencyStats coldStats = LatencyStats.of(sample(cold, "cold", coldRuns));
        LatencyStats restoreStats = LatencyStats.of(sample(restore, "restore", restoreRuns));
        return new Report(language, program, coldStats, restoreStats, coldStats.p50Ms() / restoreStats.p50Ms());
    }

    private List<Double> sample(RunRequest request, String label, int runs) {
        List<Double> samples = new ArrayList<>();
        for (int i = 1; i <= runs; i++) {
            RunResult result = runtime.run(request);
            double ms = result.timings().get("total");
            check(result, label);
            samples.add(ms);
            log.accept(String.format("%s run %d/%d: %.1f ms", label, i, runs, ms));
        }
        return samples;
    }

    private static void check(RunResult result, String label) {
        if (result.exitCode() != 0 || result.timedOut()) {
            throw new IllegalStateException(label + " run failed (exit " + result.exitCode() + "): "
                    + new String(result.stderr(), StandardCharsets.UTF_8));
        }
    }
}
