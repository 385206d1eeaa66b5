package dev.thaw.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.thaw.bench.LanguageResult;
import dev.thaw.bench.LatencyStats;
import dev.thaw.bench.StartupBenchmark;
import dev.thaw.sandbox.Languages;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LanguageBenchReportTest {

    private final Languages languages = Languages.builtIn();

    private final LanguageBenchReport report = new LanguageBenchReport(List.of(
            measured("python", 8000, 250),
            measured("c", 3000, 1000),
            measured("kotlin", 60000, 9000),
            LanguageResult.failed(languages.get("go"), "warm-up run failed (exit 1):\n  go: a | b\n")),
            Map.of("python", 52L << 20, "c", 3L << 20));

    @Test
    void text_has_a_row_per_language_with_ratio_target_and_result() {
        List<String> text = report.text();

        assertThat(text).hasSize(5);
        assertThat(text.get(0)).contains("LANGUAGE", "ADDS", "COLD MS", "RESTORE P50 MS", "RATIO", "TARGET", "RESULT");
        assertThat(text.get(1)).contains("python", "52.0 MiB", "interpreted", "8000", "250", "32.0x", "20x")
                .endsWith("met");
        assertThat(text.get(2)).contains("c", "3.0 MiB", "compiled", "3.0x", "5x").endsWith("missed");
        assertThat(text.get(3)).contains("kotlin", "not built", "JVM", "6.7x", "5x").endsWith("met");
    }

    @Test
    void a_failed_language_says_why_on_one_line() {
        assertThat(report.text().get(4)).contains("go", "compiled", "5x")
                .endsWith("failed: warm-up run failed (exit 1): go: a | b");
    }

    @Test
    void totals_count_the_languages_that_met_their_target_by_kind() {
        assertThat(report.totals()).isEqualTo("2 of 4 languages met their target (interpreted 20x: 1 of 1, "
                + "compiled 5x: 0 of 2, JVM 5x: 1 of 1); 1 failed");
    }

    @Test
    void markdown_has_as_many_cells_in_every_row_as_the_header_and_escapes_pipes() {
        List<String> markdown = report.markdown();

        assertThat(markdown).hasSize(6);
        assertThat(markdown.get(0)).isEqualTo(
                "| language | version | adds | kind | cold ms | restore p50 ms | ratio | target | result |");
        assertThat(markdown.get(2)).isEqualTo("| python | " + languages.get("python").version()
                + " | 52.0 MiB | interpreted | 8000 | 250 | 32.0x | 20x | met |");
        assertThat(markdown.get(5)).contains("go: a \\| b");
        for (String row : markdown) {
            assertThat(row.replace("\\|", "").chars().filter(c -> c == '|').count()).as(row).isEqualTo(10);
        }
    }

    @Test
    void a_long_failure_is_cut_short() {
        var failed = new LanguageBenchReport(List.of(LanguageResult.failed(languages.get("rust"), "x".repeat(1000))),
                Map.of());

        assertThat(failed.text().get(1)).endsWith("x".repeat(160) + "...");
    }

    /** A result whose cold and restore medians are the given milliseconds. */
    private LanguageResult measured(String id, double coldMs, double restoreMs) {
        var startup = StartupBenchmark.Report.of(id, "hello", LatencyStats.of(List.of(coldMs)),
                LatencyStats.of(List.of(restoreMs, restoreMs * 2)));
        return LanguageResult.measured(languages.get(id), startup);
    }
}
