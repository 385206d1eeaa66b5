package dev.thaw.bench;

import dev.thaw.sandbox.Language;
import java.util.Locale;

/**
 * One language's cold boot against restore, or why it could not be measured. Built only by
 * {@link #measured} and {@link #failed}, so that the target and the outcome follow from the rest.
 *
 * @param targetRatio the ratio of cold boot to restore that issue 5 asks of the language's kind
 * @param startup     null when the language failed
 * @param failure     null when it was measured
 */
public record LanguageResult(String id, String version, Language.Kind kind, double targetRatio, Outcome outcome,
        StartupBenchmark.Report startup, String failure) {

    public enum Outcome {
        MET, MISSED, FAILED;

        /** As the reports print it: {@code met}, {@code missed}, {@code failed}. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public static LanguageResult measured(Language language, StartupBenchmark.Report startup) {
        double target = targetRatio(language.kind());
        Outcome outcome = startup.ratio() >= target ? Outcome.MET : Outcome.MISSED;
        return new LanguageResult(language.id(), language.version(), language.kind(), target, outcome, startup, null);
    }

    public static LanguageResult failed(Language language, String failure) {
        return new LanguageResult(language.id(), language.version(), language.kind(), targetRatio(language.kind()),
                Outcome.FAILED, null, failure);
    }

    /**
     * The ratio issue 5 asks of a restore over a cold boot. An interpreter's start-up is most
     * of a cold run and a restore skips it; a compiler or a JVM still does its work on every
     * run from a snapshot, so less of the time can be saved.
     */
    public static double targetRatio(Language.Kind kind) {
        return switch (kind) {
            case INTERPRETED -> 20;
            case COMPILED, JVM -> 5;
        };
    }
}
