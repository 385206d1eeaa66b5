package dev.thaw.cli;

import dev.thaw.bench.LatencyStats;
import dev.thaw.bench.ServeBenchmark;
import java.util.Locale;

/** The serve benchmark as text tables. */
final class ServeReport {

    private ServeReport() {}

    private static void header(String first) {
        System.out.printf("%-24s %5s %9s %9s %9s %9s %9s%n", first, "runs", "min ms", "p50 ms", "p95 ms", "p99 ms",
                "max ms");
    }

    private static void row(String mode, LatencyStats s) {
        System.out.printf(Locale.ROOT, "%-24s %5d %9.1f %9.1f %9.1f %9.1f %9.1f%n", mode, s.runs(), s.minMs(),
                s.p50Ms(), s.p95Ms(), s.p99Ms(), s.maxMs());
    }

    static void print(ServeBenchmark.Report r) {
        System.out.printf("POST /v1/run, %s %s, request to response%n", r.language(), r.program());
        header("mode");
        row("pooled", r.pooled());
        row("restored", r.restored());
        row("cold", r.cold());
        System.out.printf(Locale.ROOT, "ratio cold/pooled (p50): %.1fx, cold/restored: %.1fx%n", r.coldOverPooled(),
                r.coldOverRestored());
        ServeBenchmark.Load load = r.load();
        LatencyStats l = load.latency();
        System.out.printf(Locale.ROOT, "load: %d requests, %d clients, %.1f s, %.2f requests/s; "
                + "p50 %.1f ms, p95 %.1f ms, p99 %.1f ms%n", load.requests(), load.clients(), load.seconds(),
                load.requestsPerSecond(), l.p50Ms(), l.p95Ms(), l.p99Ms());
        System.out.printf("POST /v1/sandboxes (restore to a running sandbox), then DELETE%n");
        header("network");
        row("namespace from the pool", r.network().fromNetPool());
        row("namespace made on demand", r.network().madeOnDemand());
        row("none", r.network().withoutNetwork());
        row("8 at once, from the pool", r.network().concurrentFromNetPool());
        row("8 at once, made on demand", r.network().concurrentOnDemand());
        ServeBenchmark.Memory m = r.idle();
        System.out.printf(Locale.ROOT, "idle sandboxes: %d of %d held, PSS per QEMU mean %.1f MiB, max %.1f MiB; "
                + "%d MiB still available%n", m.sandboxes(), m.asked(), m.pssMibMean(), m.pssMibMax(),
                m.availableMib());
        if (m.stoppedBy() != null) {
            System.out.println("  stopped by: " + m.stoppedBy());
        }
    }
}
