package dev.thaw.guestagent;

import static dev.thaw.guestagent.AgentHostModeTest.text;
import static org.assertj.core.api.Assertions.assertThat;

import dev.thaw.agent.GuestMessage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent with emacs-runner.el as its kept-stdio resident runner, where the host has
 * emacs (a test-only package: .ci/run installs it, ./test skips without it; the guest's real
 * runs are {@code thaw test-languages --lang emacslisp}).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class EmacsRunnerTest {

    @TempDir
    Path dir;
    KeptStdioRunner emacs;

    @BeforeEach
    void start() throws Exception {
        emacs = KeptStdioRunner.start(dir, List.of("/usr/bin/emacs", "-Q", "--batch", "--script"), "emacs-runner.el", "main.el", Duration.ofSeconds(120));
    }

    @AfterEach
    void stop() throws Exception {
        if (emacs != null) {
            emacs.close();
        }
    }

    @Test
    void prints_hello() {
        GuestMessage.Result result = emacs.last("(princ \"hello\\n\")\n", "", List.of(), List.of());

        assertThat(text(result.stderr())).isEmpty();
        assertThat(text(result.stdout())).isEqualTo("hello\n");
        assertThat(result.exitCode()).isZero();
    }

    @Test
    void reads_stdin_and_sees_its_arguments_environment_and_directory() {
        GuestMessage.Result result = emacs.last("""
                (princ (format "%s %S %s %s %s %s %s\\n" (upcase (read-from-minibuffer "")) argv (getenv "FOO")
                               (equal default-directory (file-name-as-directory (getenv "HOME")))
                               (file-exists-p "main.el") (< (random 10) 10) (length (process-list))))
                (princ (shell-command-to-string "echo $FOO"))
                """, "abc\n", List.of("one", "two words"), List.of("FOO=bar"));

        assertThat(text(result.stderr())).isEmpty();
        assertThat(text(result.stdout())).isEqualTo("ABC (\"one\" \"two words\") bar t t t 0\nbar\n");
    }

    @Test
    void kill_emacs_ends_the_program_with_its_status_after_its_output() {
        GuestMessage.Result result = emacs.last("(princ \"out\")\n(kill-emacs 3)\n", "", List.of(), List.of());

        assertThat(text(result.stdout())).isEqualTo("out");
        assertThat(result.exitCode()).isEqualTo(3);
    }

    @Test
    void an_uncaught_error_is_reported_as_emacs_reports_it_with_status_255() {
        GuestMessage.Result result = emacs.last("(princ \"before\\n\")\n(car 1)\n", "", List.of(), List.of());

        assertThat(text(result.stdout())).isEqualTo("before\n");
        assertThat(text(result.stderr())).startsWith("\nDebugger entered--Lisp error: (wrong-type-argument listp 1)\n  car(1)\n  load-with-code-conversion(");
        assertThat(result.exitCode()).isEqualTo(255);
    }
}
