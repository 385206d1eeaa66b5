package dev.thaw.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class LatencyStatsTest {

    @Test
    void percentiles_use_the_nearest_rank() {
        LatencyStats stats = LatencyStats.of(List.of(5.0, 1.0, 4.0, 2.0, 3.0, 10.0, 9.0, 8.0, 7.0, 6.0));

        assertThat(stats.p50Ms()).isEqualTo(5.0);
        assertThat(stats.p95Ms()).isEqualTo(10.0);
        assertThat(stats.minMs()).isEqualTo(1.0);
        assertThat(stats.meanMs()).isEqualTo(5.5);
    }

    @Test
    void a_single_sample_is_every_percentile() {
        LatencyStats stats = LatencyStats.of(List.of(42.0));

        assertThat(stats.p50Ms()).isEqualTo(42.0);
        assertThat(stats.p95Ms()).isEqualTo(42.0);
    }
}
