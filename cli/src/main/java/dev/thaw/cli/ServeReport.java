package dev.thaw.cli;

import dev.thaw.bench.LatencyStats;
import dev.thaw.bench.ServeBenchmark;
import java.util.Locale;

/** The serve benchmark as text tables. */
final class ServeReport {

    private ServeReport() {}

    static void print(ServeBenchmark.Report r) {
        System.out.printf("POST /v1/run, %s %s, request to response%n", r.language(), r.program());
        System.out.printf("%-8s %5s %9s %9s %9s %9s%n", "mode", "runs", "min ms", "p50 ms", "p95 ms", "max ms");
        BenchCommand.row("pooled", r.pooled());
        BenchCommand.row("restored", r.restored());
        BenchCommand.row("cold", r.cold());
        System.out.printf(Locale.ROOT, "ratio cold/pooled (p50): %.1fx, cold/restored: %.1fx%n", r.coldOverPooled(),
                r.coldOverRestored());
        ServeBenchmark.Load load = r.load();
        LatencyStats l = load.latency();
        System.out.printf(Locale.ROOT, "load: %d requests, %d clients, %.1f s, %.2f requests/s; "
                + "p50 %.1f ms, p95 %.1f ms, p99 %.1f ms%n", load.requests(), load.clients(), load.seconds(),
                load.requestsPerSecond(), l.p50Ms(), l.p95Ms(), l.p99Ms());
        System.out.printf("POST /v1/sandboxes (restore to a running sandbox), then DELETE%n");
        System.out.printf("%-30s %5s %9s %9s %9s %9s%n", "network", "runs", "min ms", "p50 ms", "p95 ms", "max ms");
        BenchCommand.row(String.format("%-30s", "namespace from the pool"), r.network().fromNetPool());
        BenchCommand.row(String.format("%-30s", "namespace made on demand"), r.network().madeOnDemand());
        BenchCommand.row(String.format("%-30s", "none"), r.network().withoutNetwork());
        ServeBenchmark.Memory m = r.idle();
        System.out.printf(Locale.ROOT, "idle sandboxes: %d of %d held, PSS per QEMU mean %.1f MiB, max %.1f MiB; "
                + "%d MiB still available%n", m.sandboxes(), m.asked(), m.pssMibMean(), m.pssMibMax(),
                m.availableMib());
        if (m.stoppedBy() != null) {
            System.out.println("  stopped by: " + m.stoppedBy());
        }
    }
}
