package dev.thaw.sandbox;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Runs a language's sample cases through the runtime, from its warm snapshot, and says which failed and why. */
public final class LanguageCheck {

    /** Compilers and JVMs under TCG take many seconds on a first run; the check is about correctness. */
    public static final Duration CASE_TIMEOUT = Duration.ofMinutes(5);

    /** How one case went: null {@code failure} when it passed. */
    public record Outcome(String language, String caseName, String failure, long millis) {
        public boolean passed() {
            return failure == null;
        }
    }

    private final ThawRuntime runtime;
    private final LanguageSamples samples;

    public LanguageCheck(ThawRuntime runtime, LanguageSamples samples) {
        this.runtime = runtime;
        this.samples = samples;
    }

    public List<Outcome> check(Language language) {
        var cases = samples.cases(language.id());
        if (cases.isEmpty()) {
            return List.of(new Outcome(language.id(), "samples", "no sample programs for this language", 0));
        }
        List<Outcome> outcomes = new ArrayList<>();
        for (LanguageSamples.Case c : cases.get()) {
            outcomes.add(run(language, c));
        }
        return outcomes;
    }

    private Outcome run(Language language, LanguageSamples.Case c) {
        long start = System.nanoTime();
        try {
            RunResult result = runtime.run(new RunRequest(language.id(), c.code().getBytes(StandardCharsets.UTF_8),
                    c.stdin().getBytes(StandardCharsets.UTF_8), Map.of(), CASE_TIMEOUT, RunRequest.DEFAULT_OUTPUT_CAP,
                    false, null));
            return new Outcome(language.id(), c.name(), failure(c, result), (System.nanoTime() - start) / 1_000_000);
        } catch (RuntimeException e) {
            return new Outcome(language.id(), c.name(), "run failed: " + e.getMessage(),
                    (System.nanoTime() - start) / 1_000_000);
        }
    }

    static String failure(LanguageSamples.Case c, RunResult result) {
        String stdout = new String(result.stdout(), StandardCharsets.UTF_8);
        String stderr = new String(result.stderr(), StandardCharsets.UTF_8);
        if (result.timedOut()) {
            return "timed out";
        }
        if (result.exitCode() != c.expectedExit()) {
            return "exit status " + result.exitCode() + ", expected " + c.expectedExit() + "; stderr: " + tail(stderr);
        }
        if (c.expectedStdout() != null && !stdout.contains(c.expectedStdout())) {
            return "stdout " + tail(stdout) + " lacks '" + c.expectedStdout() + "'; stderr: " + tail(stderr);
        }
        return null;
    }

    private static String tail(String text) {
        String oneLine = text.strip().replace('\n', '|');
        return "'" + (oneLine.length() > 300 ? "..." + oneLine.substring(oneLine.length() - 300) : oneLine) + "'";
    }
}
