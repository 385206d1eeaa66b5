package dev.thaw.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StartupBenchmarkTest {

    @Test
    void cold_boots_sit_in_the_middle_of_equal_shares_of_the_run() {
        assertThat(StartupBenchmark.coldSlots(2, 5)).containsExactly(1, 5);
        assertThat(StartupBenchmark.coldSlots(1, 5)).containsExactly(3);
        assertThat(StartupBenchmark.coldSlots(3, 3)).containsExactly(1, 3, 5);
        assertThat(StartupBenchmark.coldSlots(3, 20)).containsExactly(3, 11, 19); // thaw bench's defaults
    }

    @Test
    void every_sample_is_cold_when_there_are_no_restores() {
        assertThat(StartupBenchmark.coldSlots(3, 0)).containsExactly(0, 1, 2);
    }

    @Test
    void no_sample_is_cold_when_no_cold_boot_is_asked_for() {
        assertThat(StartupBenchmark.coldSlots(0, 4)).isEmpty();
    }
}
