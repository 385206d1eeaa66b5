package dev.thaw.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StepsTest {

    @Test
    void failure_closes_what_was_acquired_in_reverse_order() {
        List<String> closed = new ArrayList<>();
        Timings timings = new Timings();

        assertThatThrownBy(() -> {
            try (Steps steps = new Steps("test", timings)) {
                steps.onFailureClose(() -> closed.add("overlay"));
                steps.onFailureClose(() -> closed.add("process"));
                steps.run("boom", () -> {
                    throw new IllegalStateException("no");
                });
            }
        }).isInstanceOf(SandboxException.class).hasMessageContaining("step 'boom'");

        assertThat(closed).containsExactly("process", "overlay");
    }

    @Test
    void kept_resources_are_not_closed_and_steps_are_timed() {
        List<String> closed = new ArrayList<>();
        Timings timings = new Timings();

        try (Steps steps = new Steps("test", timings)) {
            steps.onFailureClose(() -> closed.add("overlay"));
            steps.run("fine", () -> {});
            steps.keep();
        }

        assertThat(closed).isEmpty();
        assertThat(timings.asMap()).containsKey("fine");
    }
}
