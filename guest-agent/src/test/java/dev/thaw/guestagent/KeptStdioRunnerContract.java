package dev.thaw.guestagent;

import static dev.thaw.guestagent.AgentHostModeTest.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.thaw.agent.GuestMessage;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every kept-stdio resident runner does, whatever its language: a subclass starts the
 * agent with its runner and writes the programs in its language.
 */
abstract class KeptStdioRunnerContract {

    @TempDir
    Path dir;
    KeptStdioRunner runner;

    /** The agent with this language's runner; skips (an assumption) when the host lacks it. */
    abstract KeptStdioRunner start(Path dir) throws Exception;

    /** A program that prints {@code hello} and a newline. */
    abstract String hello();

    /** A program that prints {@code bye} and a newline, then exits with status 3. */
    abstract String byeThenExit3();

    /** A program that prints {@code last} without a newline. */
    abstract String printLast();

    @BeforeEach
    void startRunner() throws Exception {
        runner = start(dir);
    }

    @AfterEach
    void stopRunner() throws Exception {
        if (runner != null) {
            runner.close();
        }
    }

    @Test
    void prints_hello() {
        GuestMessage.Result result = runner.last(hello(), "", List.of(), List.of());

        assertThat(text(result.stderr())).isEmpty();
        assertThat(text(result.stdout())).isEqualTo("hello\n");
        assertThat(result.exitCode()).isZero();
    }

    @Test
    void an_explicit_exit_sets_the_status() {
        GuestMessage.Result result = runner.last(byeThenExit3(), "", List.of(), List.of());

        assertThat(text(result.stdout())).isEqualTo("bye\n");
        assertThat(result.exitCode()).isEqualTo(3);
    }

    @Test
    void a_run_that_is_not_the_guests_last_is_refused_and_the_runner_still_serves_the_last() {
        assertThatThrownBy(() -> runner.notLast(printLast())).hasMessageContaining("serves only a guest's last program");

        assertThat(text(runner.last(printLast(), "", List.of(), List.of()).stdout())).isEqualTo("last");
    }
}
