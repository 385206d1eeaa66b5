package dev.thaw.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The languages the default suite runs for real, one of each kind: a shell, an interpreter
 * with a resident runner, a compiled language and a JVM language. Each builds its layered
 * image, makes its snapshot and runs its hello, stdin and exit-code samples from it;
 * {@code thaw test-languages} runs the same cases for every language.
 */
class RepresentativeLanguagesTest {

    /** Programs that print their arguments joined by commas. */
    private static final Map<String, String> PRINT_ARGS = Map.of(
            "python", "import sys; print(','.join(sys.argv[1:]))",
            "typescript", "console.log(process.argv.slice(2).join(','));",
            "java", """
                    class Main { public static void main(String[] a) { System.out.println(String.join(",", a)); } }""");

    @TempDir
    static Path home;

    @ParameterizedTest
    @ValueSource(strings = {"sh", "python", "c", "java"})
    void samples_pass_from_the_language_snapshot(String id) {
        ThawRuntime runtime = TestRuntimes.inHome(home);
        LanguageCheck check = new LanguageCheck(runtime, LanguageSamples.builtIn());

        var outcomes = check.check(runtime.languages().get(id));

        assertThat(outcomes).hasSize(3).allSatisfy(outcome ->
                assertThat(outcome.failure()).as(id + " " + outcome.caseName()).isNull());
        assertThat(outcomes).allSatisfy(outcome -> assertThat(outcome.passed()).isTrue());
        assertThat(TestRuntimes.liveChildren()).isZero();
    }

    /**
     * Resident runners have commands of their own, and the program's arguments must still reach
     * it: python's forks a child, java's runs it in place, typescript's compiles (its command
     * has no {@code {file}} to put arguments after) and keeps the agent's stdio.
     */
    @ParameterizedTest
    @ValueSource(strings = {"python", "typescript", "java"})
    void arguments_reach_a_program_its_resident_runner_runs(String id) {
        ThawRuntime runtime = TestRuntimes.inHome(home);

        RunResult result = runtime.run(RunRequest.of(id, PRINT_ARGS.get(id)).withArgs(List.of("one", "two words", "")));

        assertThat(new String(result.stdout(), StandardCharsets.UTF_8)).isEqualTo("one,two words,\n");
        assertThat(result.mode()).isEqualTo("restore");
    }

}
