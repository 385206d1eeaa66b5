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
 * The agent with racket-runner.rkt as its kept-stdio resident runner, where the host has
 * racket (a test-only package: .ci/run installs it, ./test skips without it; the guest's real
 * runs are {@code thaw test-languages --lang racket}).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class RacketRunnerTest implements WarmsAgainContract {

    @TempDir
    Path dir;
    KeptStdioRunner racket;

    @BeforeEach
    void start() throws Exception {
        racket = KeptStdioRunner.start(dir, List.of("/usr/bin/racket"), "racket-runner.rkt", "main.rkt", Duration.ofSeconds(120));
    }

    @Override
    public KeptStdioRunner warmingRunner() {
        return racket;
    }

    @Override
    public String hello() {
        return "#lang racket/base\n(displayln \"hello\")\n";
    }

    @AfterEach
    void stop() throws Exception {
        if (racket != null) {
            racket.close();
        }
    }

    @Test
    void prints_hello() {
        GuestMessage.Result result = racket.last("#lang racket/base\n(displayln \"hello\")\n", "", List.of(), List.of());

        assertThat(text(result.stderr())).isEmpty();
        assertThat(text(result.stdout())).isEqualTo("hello\n");
        assertThat(result.exitCode()).isZero();
    }

    @Test
    void reads_stdin_and_sees_its_arguments_environment_and_directory() {
        GuestMessage.Result result = racket.last("""
                #lang racket
                (displayln (list (string-upcase (read-line)) (current-command-line-arguments) (getenv "FOO")
                                 (equal? (path->string (current-directory)) (string-append (getenv "HOME") "/"))
                                 (file-exists? "main.rkt") (< (random) 1)
                                 (string-trim (with-output-to-string (lambda () (system "echo $FOO"))))))
                (module+ main (displayln "main"))
                """, "abc", List.of("one", "two words"), List.of("FOO=bar"));

        assertThat(text(result.stderr())).isEmpty();
        assertThat(text(result.stdout())).isEqualTo("(ABC #(one two words) bar #t #t #t bar)\nmain\n");
    }

    @Test
    void exit_ends_the_program_with_its_status() {
        GuestMessage.Result result = racket.last("#lang racket/base\n(display \"out\")\n(exit 3)\n", "", List.of(),
                List.of());

        assertThat(text(result.stdout())).isEqualTo("out");
        assertThat(result.exitCode()).isEqualTo(3);
    }

    @Test
    void an_uncaught_error_is_reported_as_racket_reports_it_with_status_1() {
        GuestMessage.Result result = racket.last("#lang racket/base\n(displayln \"before\")\n(error 'f \"boom\")\n", "",
                List.of(), List.of());

        assertThat(text(result.stdout())).isEqualTo("before\n");
        assertThat(text(result.stderr())).startsWith("f: boom\n  context...:\n   body of ").endsWith("main.rkt\"\n");
        assertThat(result.exitCode()).isEqualTo(1);
    }
}
