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
 * The agent with sbcl-runner.lisp as its kept-stdio resident runner, on the host's sbcl. SBCL
 * is a test-only package (scripts/host.sh: .ci/run installs it, ./test skips these tests
 * without it); {@code thaw test-languages --lang commonlisp} checks the runner in a real guest.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SbclRunnerTest extends KeptStdioRunnerContract {

    static final Path SBCL = Path.of("/usr/bin/sbcl");

    @Override
    KeptStdioRunner start(Path dir) throws Exception {
        assumeTrue(Files.isExecutable(SBCL), "needs " + SBCL + " (Debian package sbcl)");
        return KeptStdioRunner.start(dir, List.of(SBCL.toString(), "--script"), "sbcl-runner.lisp", "main.lisp");
    }

    @Override
    String hello() {
        return "(write-line \"hello\")\n";
    }

    @Override
    String byeThenExit3() {
        return "(write-line \"bye\")\n(sb-ext:exit :code 3)\n";
    }

    @Override
    String printLast() {
        return "(princ \"last\")";
    }

    @Test
    void reads_stdin_and_sees_its_arguments_environment_directory_and_package() {
        GuestMessage.Result result = runner.last("""
                (format t "~a ~s ~a ~a ~a ~a~%" (string-upcase (read-line)) sb-ext:*posix-argv*
                        (sb-ext:posix-getenv "FOO")
                        (equal (namestring *default-pathname-defaults*) (format nil "~a/" (sb-ext:posix-getenv "HOME")))
                        (package-name *package*) (pathname-name *load-truename*))
                """, "abc\n", List.of("one", "two words"), List.of("FOO=bar"));

        assertThat(text(result.stderr())).isEmpty();
        assertThat(text(result.stdout())).isEqualTo("ABC (\"sbcl\" \"one\" \"two words\") bar T COMMON-LISP-USER main\n");
    }

    @Test
    void an_unhandled_error_is_reported_as_sbcl_reports_it_and_exits_1() {
        GuestMessage.Result result = runner.last("(defun f () (error \"boom\"))\n(f)\n", "", List.of(), List.of());

        assertThat(text(result.stderr())).startsWith("Unhandled SIMPLE-ERROR in thread").contains("  boom\n")
                .contains("4: (F)\n").endsWith("unhandled condition in --disable-debugger mode, quitting\n");
        assertThat(result.exitCode()).isEqualTo(1);
    }
}
