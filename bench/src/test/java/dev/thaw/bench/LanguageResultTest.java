package dev.thaw.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.thaw.bench.LanguageResult.Outcome;
import dev.thaw.sandbox.Language;
import dev.thaw.sandbox.Languages;
import java.util.List;
import org.junit.jupiter.api.Test;

class LanguageResultTest {

    private final Languages languages = Languages.builtIn();

    @Test
    void interpreted_languages_must_restore_20x_faster_and_compiled_and_jvm_ones_5x() {
        assertThat(LanguageResult.targetRatio(Language.Kind.INTERPRETED)).isEqualTo(20);
        assertThat(LanguageResult.targetRatio(Language.Kind.COMPILED)).isEqualTo(5);
        assertThat(LanguageResult.targetRatio(Language.Kind.JVM)).isEqualTo(5);
    }

    @Test
    void a_ratio_equal_to_the_target_meets_it_and_one_just_below_misses() {
        assertThat(measured("python", 4000, 200).outcome()).isEqualTo(Outcome.MET);
        assertThat(measured("python", 3999, 200).outcome()).isEqualTo(Outcome.MISSED);
        assertThat(measured("c", 1000, 200).outcome()).isEqualTo(Outcome.MET);
        assertThat(measured("c", 999, 200).outcome()).isEqualTo(Outcome.MISSED);
    }

    @Test
    void the_same_ratio_meets_a_jvm_target_and_misses_an_interpreted_one() {
        LanguageResult kotlin = measured("kotlin", 2000, 200);
        LanguageResult bash = measured("bash", 2000, 200);

        assertThat(kotlin.targetRatio()).isEqualTo(5);
        assertThat(kotlin.outcome()).isEqualTo(Outcome.MET);
        assertThat(bash.targetRatio()).isEqualTo(20);
        assertThat(bash.outcome()).isEqualTo(Outcome.MISSED);
    }

    @Test
    void a_failed_language_keeps_its_target_and_the_reason() {
        LanguageResult failed = LanguageResult.failed(languages.get("go"), "go: command not found");

        assertThat(failed.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(failed.targetRatio()).isEqualTo(5);
        assertThat(failed.failure()).isEqualTo("go: command not found");
        assertThat(failed.startup()).isNull();
    }

    /** A result whose cold and restore medians are the given milliseconds. */
    private LanguageResult measured(String id, double coldMs, double restoreMs) {
        var report = StartupBenchmark.Report.of(id, "hello", LatencyStats.of(List.of(coldMs)),
                LatencyStats.of(List.of(restoreMs * 0.9, restoreMs, restoreMs * 1.5)));
        return LanguageResult.measured(languages.get(id), report);
    }
}
