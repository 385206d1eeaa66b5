package dev.thaw.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class SnapshotMakerTest {

    private final Languages languages = Languages.builtIn();

    @Test
    void a_resident_runner_may_load_for_three_of_its_languages_default_timeouts() {
        assertThat(SnapshotMaker.residentLoadTimeout(languages.get("kotlin"))).isEqualTo(Duration.ofMinutes(9));
        assertThat(SnapshotMaker.residentLoadTimeout(languages.get("java"))).isEqualTo(Duration.ofMinutes(3));
    }

    @Test
    void a_fast_languages_runner_still_gets_minutes_since_a_busy_host_slows_every_boot() {
        assertThat(SnapshotMaker.residentLoadTimeout(languages.get("python"))).isEqualTo(Duration.ofMinutes(2));
    }
}
