package dev.thaw.bench;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ServeBenchmarkTest {

    @Test
    void a_run_that_succeeded_counts() {
        assertThatCode(() -> ServeBenchmark.requireSuccess(
                "{\"stdout\": \"hello\\n\", \"stderr\": \"\", \"exit_code\": 0, \"signal\": 0, \"timed_out\": false}"))
                .doesNotThrowAnyException();
    }

    @Test
    void a_program_that_failed_is_refused_with_its_stderr() {
        assertThatThrownBy(() -> ServeBenchmark.requireSuccess(
                "{\"stdout\": \"\", \"stderr\": \"main.adb:1:5: illegal character\", \"exit_code\": 1, \"timed_out\": false}"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("exit code 1")
                .hasMessageContaining("main.adb:1:5: illegal character");
    }

    @Test
    void a_program_that_timed_out_is_refused() {
        assertThatThrownBy(() -> ServeBenchmark.requireSuccess(
                "{\"stdout\": \"\", \"stderr\": \"\", \"exit_code\": 137, \"timed_out\": true}"))
                .hasMessageContaining("timed out");
    }
}
