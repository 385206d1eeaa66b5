package dev.thaw.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
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
}
