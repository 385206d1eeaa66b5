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
 * The agent with r-runner.R as its kept-stdio resident runner, on the host's Rscript. R is a
 * test-only package (scripts/host.sh: .ci/run installs it, ./test skips these tests without it);
 * {@code thaw test-languages --lang r} checks the runner in a real guest.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class RRunnerTest extends KeptStdioRunnerContract {

    static final Path RSCRIPT = Path.of("/usr/bin/Rscript");

    @Override
    KeptStdioRunner start(Path dir) throws Exception {
        assumeTrue(Files.isExecutable(RSCRIPT), "needs " + RSCRIPT + " (Debian package r-base-core)");
        return KeptStdioRunner.start(dir, List.of(RSCRIPT.toString(), "--vanilla"), "r-runner.R", "main.r");
    }

    @Override
    String hello() {
        return "cat('hello\\n')\n";
    }

    @Override
    String byeThenExit3() {
        return "cat('bye\\n')\nquit(status = 3)\ncat('not reached\\n')\n";
    }

    @Override
    String printLast() {
        return "cat('last')";
    }

    @Test
    void prints_hello_and_visible_top_level_values() {
        GuestMessage.Result result = runner.last("cat('hello\\n')\n1 + 1\ninvisible(3)\nx <- 4\n", "", List.of(),
                List.of());

        assertThat(text(result.stderr())).isEmpty();
        assertThat(text(result.stdout())).isEqualTo("hello\n[1] 2\n");
        assertThat(result.exitCode()).isZero();
    }

    @Test
    void reads_stdin_and_sees_its_arguments_environment_and_an_empty_global_environment() {
        GuestMessage.Result result = runner.last("""
                input <- readLines(file("stdin"))
                cat(toupper(input), paste(commandArgs(trailingOnly = TRUE), collapse = ","), Sys.getenv("FOO"),
                    getwd() == Sys.getenv("HOME"), sub(".*=", "", grep("^--file=", commandArgs(), value = TRUE)) ==
                    file.path(getwd(), "main.r"), paste(ls(all.names = TRUE), collapse = ","), "\\n")
                """, "abc\n", List.of("one", "two words"), List.of("FOO=bar"));

        assertThat(text(result.stderr())).isEmpty();
        assertThat(text(result.stdout())).isEqualTo("ABC one,two words bar TRUE TRUE input \n");
    }

    @Test
    void an_error_is_reported_as_rscript_reports_it_and_halts_with_status_1() {
        GuestMessage.Result result = runner.last("""
                cat('before\\n')
                f <- function() stop('boom')
                f()
                cat('not reached\\n')
                """, "", List.of(), List.of());

        assertThat(text(result.stdout())).isEqualTo("before\n");
        assertThat(text(result.stderr())).isEqualTo("Error in f() : boom\nExecution halted\n");
        assertThat(result.exitCode()).isEqualTo(1);
    }
}
