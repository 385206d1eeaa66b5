package dev.thaw.bench;

import java.util.Arrays;
import java.util.List;

/** Summary of a latency sample, in milliseconds (nearest-rank percentiles). */
public record LatencyStats(int runs, double minMs, double p50Ms, double p95Ms, double p99Ms, double maxMs,
        double meanMs) {

    public static LatencyStats of(List<Double> samplesMs) {
        if (samplesMs.isEmpty()) {
            throw new IllegalArgumentException("no samples");
        }
        double[] sorted = samplesMs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return new LatencyStats(sorted.length, sorted[0], percentile(sorted, 50), percentile(sorted, 95),
                percentile(sorted, 99), sorted[sorted.length - 1], Arrays.stream(sorted).average().orElseThrow());
    }

    static double percentile(double[] sorted, int p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }
}
