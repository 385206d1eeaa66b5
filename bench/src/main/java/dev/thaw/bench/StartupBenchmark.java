package dev.thaw.bench;

import dev.thaw.sandbox.RunRequest;
import dev.thaw.sandbox.RunResult;
import dev.thaw.sandbox.ThawRuntime;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.function.Consumer;

/**
 * Time to first result: a cold boot against a restore from the language's snapshot, measured
 * in one process on one machine so that their ratio is meaningful on a noisy shared host.
 * Each sample runs from the request to the program's result in hand: start the sandbox
 * (boot, or restore and reseed), run the program, read its output. Discarding the sandbox
 * afterwards is not part of it: the caller already has its answer. Samples are
 * {@link #SPACING} apart, each a request to an idle host: what one leaves running in the
 * background (the runtime starting a standby VMM for the next restore) is not timed in the next.
 * The cold boots are spread among the restores ({@link #coldSlots}), so that a spell of load on
 * the host, which lasts minutes on a shared machine, falls on both sides of the ratio.
 */
public final class StartupBenchmark {

    static final Duration SPACING = Duration.ofMillis(500);

    private final ThawRuntime runtime;
    private final Consumer<String> log;

    public StartupBenchmark(ThawRuntime runtime, Consumer<String> log) {
        this.runtime = runtime;
        this.log = log;
    }

    /** @param ratio how many times faster a restore is than a cold boot, by their medians */
    public record Report(String language, String program, LatencyStats cold, LatencyStats restore, double ratio) {

        public static Report of(String language, String program, LatencyStats cold, LatencyStats restore) {
            return new Report(language, program, cold, restore, cold.p50Ms() / restore.p50Ms());
        }
    }

    public Report run(String language, String program, int coldRuns, int restoreRuns) {
        return run(RunRequest.of(language, program), coldRuns, restoreRuns);
    }

    /** Measures {@code restore} as it is and again with a cold boot. */
    public Report run(RunRequest restore, int coldRuns, int restoreRuns) {
        RunRequest cold = restore.withCold(true);
        log.accept("preparing: image and snapshot for " + restore.language());
        sample(restore, "warm-up", 1, 1); // builds the image and snapshot outside the measurement
        Set<Integer> coldSlots = coldSlots(coldRuns, restoreRuns);
        List<Double> coldSamples = new ArrayList<>();
        List<Double> restoreSamples = new ArrayList<>();
        for (int slot = 0; slot < coldRuns + restoreRuns; slot++) {
            if (coldSlots.contains(slot)) {
                coldSamples.add(sample(cold, "cold", coldSamples.size() + 1, coldRuns));
            } else {
                restoreSamples.add(sample(restore, "restore", restoreSamples.size() + 1, restoreRuns));
            }
        }
        return Report.of(restore.language(), new String(restore.code(), StandardCharsets.UTF_8),
                LatencyStats.of(coldSamples), LatencyStats.of(restoreSamples));
    }

    /**
     * Which of {@code coldRuns + restoreRuns} samples, counted from 0, are cold boots: each one in
     * the middle of an equal share of the run, so 2 cold among 5 restores go second and sixth.
     */
    static Set<Integer> coldSlots(int coldRuns, int restoreRuns) {
        int total = coldRuns + restoreRuns;
        Set<Integer> slots = new TreeSet<>();
        for (int k = 0; k < coldRuns; k++) {
            slots.add((2 * k + 1) * total / (2 * coldRuns));
        }
        return slots;
    }

    private double sample(RunRequest request, String label, int index, int runs) {
        pause();
        RunResult result = runtime.run(request);
        double ms = result.timings().get("total");
        check(result, label);
        log.accept(String.format(Locale.ROOT, "%s run %d/%d: %.1f ms (%s)", label, index, runs, ms,
                phases(result.timings().asMap())));
        return ms;
    }

    /** Where a sample's time went; a restore without a {@code vmm} phase used a standby VMM. */
    private static String phases(Map<String, Double> timings) {
        return Stream.of("vmm", "boot", "ready", "restore", "resume", "exec", "program")
                .filter(timings::containsKey)
                .map(phase -> String.format(Locale.ROOT, "%s %.1f", phase, timings.get(phase)))
                .collect(Collectors.joining(", "));
    }

    private static void pause() {
        try {
            Thread.sleep(SPACING);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted between samples", e);
        }
    }

    /** A sample counts only when the program succeeded: a failing one answers fast and means nothing. */
    static void check(RunResult result, String label) {
        if (result.exitCode() != 0 || result.timedOut()) {
            throw new IllegalStateException(label + " run failed (exit " + result.exitCode() + "): "
                    + new String(result.stderr(), StandardCharsets.UTF_8));
        }
    }
}
