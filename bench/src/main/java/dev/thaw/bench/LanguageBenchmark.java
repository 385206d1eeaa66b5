package dev.thaw.bench;

import dev.thaw.sandbox.Language;
import dev.thaw.sandbox.LanguageSamples;
import dev.thaw.sandbox.RunRequest;
import dev.thaw.sandbox.ThawRuntime;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * {@link StartupBenchmark} for each of several languages in turn, each running its hello
 * program. A language that fails gets a result that says why and the run goes on: one broken
 * compiler must not cost the hours the other languages took.
 */
public final class LanguageBenchmark {

    private final StartupBenchmark startup;
    private final LanguageSamples samples;
    private final Consumer<String> log;

    public LanguageBenchmark(ThawRuntime runtime, LanguageSamples samples, Consumer<String> log) {
        this.startup = new StartupBenchmark(runtime, log);
        this.samples = samples;
        this.log = log;
    }

    public List<LanguageResult> run(List<Language> languages, int coldRuns, int restoreRuns) {
        List<LanguageResult> results = new ArrayList<>();
        for (int i = 0; i < languages.size(); i++) {
            Language language = languages.get(i);
            log.accept("[" + (i + 1) + "/" + languages.size() + "] " + language.id());
            LanguageResult result = measure(language, coldRuns, restoreRuns);
            log.accept(language.id() + ": " + summary(result));
            results.add(result);
        }
        return results;
    }

    private LanguageResult measure(Language language, int coldRuns, int restoreRuns) {
        var hello = samples.hello(language.id());
        if (hello.isEmpty()) {
            return LanguageResult.failed(language, "no hello program in language-samples.json");
        }
        try {
            var report = startup.run(request(language, hello.get()), coldRuns, restoreRuns);
            return LanguageResult.measured(language, report);
        } catch (RuntimeException e) {
            return LanguageResult.failed(language, e.getMessage() == null ? e.toString() : e.getMessage());
        }
    }

    /**
     * The longest timeout a run may have: booted cold under TCG, a compiler or a JVM is read
     * from disk and translated afresh; kotlinc and scalac took up to 115 s a run even from a
     * snapshot (the README's test-languages table).
     */
    private static RunRequest request(Language language, String hello) {
        return new RunRequest(language.id(), hello.getBytes(StandardCharsets.UTF_8), null, Map.of(),
                RunRequest.MAX_TIMEOUT, RunRequest.DEFAULT_OUTPUT_CAP, false, null);
    }

    private static String summary(LanguageResult result) {
        if (result.outcome() == LanguageResult.Outcome.FAILED) {
            return "failed: " + result.failure();
        }
        return String.format(Locale.ROOT, "%.1fx, target %.0fx: %s", result.startup().ratio(), result.targetRatio(),
                result.outcome().label());
    }
}
