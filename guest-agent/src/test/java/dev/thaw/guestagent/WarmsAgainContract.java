package dev.thaw.guestagent;

import static dev.thaw.guestagent.AgentHostModeTest.text;
import static org.assertj.core.api.Assertions.assertThat;

import dev.thaw.agent.GuestMessage;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What a runner that serves mode warm ({@code "warms_again": true}) does besides its other
 * cases: it warms up again, twice in a row, and still serves the guest's last program.
 */
interface WarmsAgainContract {

    /** The agent with this language's runner, as the test started it. */
    KeptStdioRunner warmingRunner();

    /** A program that prints {@code hello} and a newline. */
    String hello();

    @Test
    default void warm_goes_through_the_warm_up_again_and_the_runner_still_serves_the_last_program() {
        assertThat(warmingRunner().warm().exitCode()).isZero();
        assertThat(warmingRunner().warm().exitCode()).isZero(); // a second warm-up is not a no-op either

        GuestMessage.Result result = warmingRunner().last(hello(), "", List.of(), List.of());
        assertThat(text(result.stderr())).isEmpty();
        assertThat(text(result.stdout())).isEqualTo("hello\n");
    }
}
