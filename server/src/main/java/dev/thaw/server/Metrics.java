package dev.thaw.server;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Counters, latency histograms and gauges in Prometheus' text format. Few enough series
 * that a map of adders is all it takes.
 */
final class Metrics {

    /** Bucket bounds in seconds: restores land around 0.3 s, cold boots around 8 s under TCG. */
    private static final double[] BUCKETS = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

    private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();
    private final Map<String, Histogram> runs = new ConcurrentHashMap<>();
    private final Map<String, LongSupplier> gauges = new TreeMap<>();

    private static final class Histogram {
        final LongAdder[] counts = new LongAdder[BUCKETS.length];
        final LongAdder count = new LongAdder();
        final java.util.concurrent.atomic.DoubleAdder sum = new java.util.concurrent.atomic.DoubleAdder();

        Histogram() {
            for (int i = 0; i < counts.length; i++) {
                counts[i] = new LongAdder();
            }
        }

        void observe(double seconds) {
            for (int i = 0; i < BUCKETS.length; i++) {
                if (seconds <= BUCKETS[i]) {
                    counts[i].increment();
                }
            }
            count.increment();
            sum.add(seconds);
        }
    }

    void request(String route, int status) {
        requests.computeIfAbsent(labels("route", route, "status", Integer.toString(status)), k -> new LongAdder())
                .increment();
    }

    /** A finished run: {@code mode} is how its sandbox started (restore, cold). */
    void run(String mode, double seconds) {
        runs.computeIfAbsent(mode, k -> new Histogram()).observe(seconds);
    }

    /** A gauge; {@code name} may carry labels, e.g. {@code thaw_pool_ready{language="python"}}. */
    synchronized void gauge(String name, LongSupplier value) {
        gauges.put(name, value);
    }

    static String labelled(String name, String label, String value) {
        return name + labels(label, value);
    }

    synchronized String render() {
        StringBuilder out = new StringBuilder();
        out.append("# HELP thaw_requests_total HTTP requests by route and status.\n");
        out.append("# TYPE thaw_requests_total counter\n");
        new TreeMap<>(requests).forEach((labels, n) -> out.append("thaw_requests_total").append(labels).append(' ')
                .append(n.sum()).append('\n'));
        out.append("# HELP thaw_run_seconds Time from request to result, by how the sandbox started.\n");
        out.append("# TYPE thaw_run_seconds histogram\n");
        new TreeMap<>(runs).forEach((mode, h) -> render(out, mode, h));
        String typed = "";
        for (var gauge : gauges.entrySet()) {
            String base = gauge.getKey().replaceFirst("\\{.*", "");
            if (!base.equals(typed)) {
                out.append("# TYPE ").append(base).append(" gauge\n");
                typed = base;
            }
            out.append(gauge.getKey()).append(' ').append(gauge.getValue().getAsLong()).append('\n');
        }
        return out.toString();
    }

    private static void render(StringBuilder out, String mode, Histogram h) {
        for (int i = 0; i < BUCKETS.length; i++) {
            out.append("thaw_run_seconds_bucket").append(labels("mode", mode, "le", format(BUCKETS[i]))).append(' ')
                    .append(h.counts[i].sum()).append('\n');
        }
        out.append("thaw_run_seconds_bucket").append(labels("mode", mode, "le", "+Inf")).append(' ')
                .append(h.count.sum()).append('\n');
        out.append("thaw_run_seconds_sum").append(labels("mode", mode)).append(' ').append(format(h.sum.sum()))
                .append('\n');
        out.append("thaw_run_seconds_count").append(labels("mode", mode)).append(' ').append(h.count.sum())
                .append('\n');
    }

    private static String labels(String... pairs) {
        StringBuilder out = new StringBuilder("{");
        for (int i = 0; i < pairs.length; i += 2) {
            out.append(i == 0 ? "" : ",").append(pairs[i]).append("=\"")
                    .append(pairs[i + 1].replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        }
        return out.append('}').toString();
    }

    private static String format(double value) {
        return String.format(Locale.ROOT, "%s", value);
    }
}
