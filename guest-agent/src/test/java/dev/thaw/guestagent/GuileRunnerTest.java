package dev.thaw.guestagent;

import static dev.thaw.guestagent.AgentHostModeTest.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.thaw.agent.GuestMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The agent with guile-runner.scm as its kept-stdio resident runner, on the host's guile. Guile
 * is a test-only package (scripts/host.sh: .ci/run installs it, ./test skips these tests
 * without it); {@code thaw test-languages --lang scheme} checks the runner in a real guest.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class GuileRunnerTest extends KeptStdioRunnerContract {

    static final Path GUILE = Path.of("/usr/bin/guile");
    static final List<String> GUILE_SCRIPT = List.of(GUILE.toString(), "--no-auto-compile", "-s");

    @Override
    KeptStdioRunner start(Path dir) throws Exception {
        assumeTrue(Files.isExecutable(GUILE), "needs " + GUILE + " (Debian package guile-3.0)");
        return KeptStdioRunner.start(dir, GUILE_SCRIPT, "guile-runner.scm", "main.scm");
    }

    @Override
    String hello() {
        return "(display \"hello\")\n(newline)\n";
    }

    @Override
    String byeThenExit3() {
        return "(display \"bye\\n\")\n(exit 3)\n";
    }

    @Override
    String printLast() {
        return "(display \"last\")";
    }

    @Test
    void reads_stdin_and_sees_its_arguments_environment_and_directory() {
        GuestMessage.Result result = runner.last("""
                (use-modules (ice-9 rdelim))
                (display (list (string-upcase (read-line)) (cdr (command-line)) (getenv "FOO")
                               (equal? (getcwd) (getenv "HOME")) (basename (car (command-line)))
                               (defined? 'split-entries)))
                (newline)
                """, "abc\n", List.of("one", "two words"), List.of("FOO=bar"));

        assertThat(text(result.stderr())).isEmpty();
        assertThat(text(result.stdout())).isEqualTo("(ABC (one two words) bar #t main.scm #f)\n");
    }

    @Test
    void an_uncaught_error_is_reported_as_guile_reports_it_and_exits_1() {
        GuestMessage.Result result = runner.last("(define (f) (error \"boom\" 1))\n(f)\n", "", List.of(), List.of());

        assertThat(text(result.stderr())).startsWith("Backtrace:\n           1 (primitive-load \"/")
                .endsWith("\")\nIn ice-9/boot-9.scm:\n   2007:7  0 (error _ . _)\n\n"
                        + "ice-9/boot-9.scm:2007:7: In procedure error:\nboom 1\n");
        assertThat(result.exitCode()).isEqualTo(1);
    }
}
