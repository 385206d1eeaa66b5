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
                               (file-exists-p "main.el") (< (random 10) 10)
                               (sort (mapcar #'process-name (process-list)) #'string<)))
                (princ (shell-command-to-string "echo $FOO"))
                """, "abc\n", List.of("one", "two words"), List.of("FOO=bar"));

        assertThat(text(result.stderr())).isEmpty();
        assertThat(text(result.stdout()))
                .isEqualTo("ABC (\"one\" \"two words\") bar t t t (thaw-channel-in thaw-channel-out)\nbar\n");
    }

    @Test
    void output_left_in_emacs_buffers_arrives_whole_before_the_end() {
        GuestMessage.Result result = emacs.last("""
                (princ (make-string 60000 ?x))
                (princ "\nno newline: é")
                (message "to stderr")
                """, "", List.of(), List.of());

        assertThat(text(result.stdout())).isEqualTo("x".repeat(60_000) + "\nno newline: é");
        assertThat(text(result.stderr())).isEqualTo("\nto stderr\n");
        assertThat(result.exitCode()).isZero();
    }

    @Test
    void what_runs_at_emacs_exit_still_runs_and_decides_the_status() {
        GuestMessage.Result hooked = emacs.last("""
                (add-hook 'kill-emacs-hook (lambda () (sleep-for 0.3) (princ "from the hook\n")))
                (princ "program\n")
                """, "", List.of(), List.of());

        assertThat(text(hooked.stdout())).isEqualTo("program\nfrom the hook\n");
        assertThat(hooked.exitCode()).isZero();
    }

    @Test
    void kill_emacs_advised_by_the_program_decides_the_status() {
        GuestMessage.Result result = emacs.last("""
                (advice-add 'kill-emacs :filter-args (lambda (_) (list 7)))
                (princ "advised\n")
                """, "", List.of(), List.of());

        assertThat(text(result.stdout())).isEqualTo("advised\n");
        assertThat(result.exitCode()).isEqualTo(7);
    }

    @Test
    void a_program_that_deletes_the_channel_processes_still_ends_with_its_status() {
        GuestMessage.Result result = emacs.last("(mapc #'delete-process (process-list))\n(princ \"alone\\n\")\n",
                "", List.of(), List.of());

        assertThat(text(result.stdout())).isEqualTo("alone\n");
        assertThat(result.exitCode()).isZero();
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
