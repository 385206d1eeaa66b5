package dev.thaw.cli;

import dev.thaw.bench.LatencyStats;
import dev.thaw.bench.StartupBenchmark;
import dev.thaw.bench.ServeBenchmark;
import dev.thaw.bench.StoreBenchmark;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measures cold boot against restore to first result, in one run on this machine.",
                "With --store: the snapshot store's sizes and times (sparse memory, create, verify, diffs, chains)."})
final class BenchCommand implements Callable<Integer> {

    @ParentCommand
    ThawCommand thaw;

    @Option(names = {"-l", "--lang"}, defaultValue = "python", description = "Language (default: ${DEFAULT-VALUE}).")
    String language;

    @Option(names = "--code", defaultValue = "print(\"hello\")", description = "Program to run (default: ${DEFAULT-VALUE}).")
    String code;

    @Option(names = "--runs", defaultValue = "20", description = "Restore runs (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--cold-runs", defaultValue = "3", description = "Cold boot runs (default: ${DEFAULT-VALUE}).")
    int coldRuns;

    @Option(names = "--store", description = "Measure the snapshot store instead of startup.")
    boolean store;

    @Option(names = "--serve", description = {"Measure thaw serve instead: POST /v1/run from a warm pool, from a",
            "restore and cold; --clients concurrent clients; memory of --idle idle sandboxes."})
    boolean serve;

    @Option(names = "--clients", defaultValue = "8", description = "With --serve: concurrent clients (default: ${DEFAULT-VALUE}).")
    int clients;

    @Option(names = "--requests", defaultValue = "50", description = "With --serve: requests under load (default: ${DEFAULT-VALUE}).")
    int requests;

    @Option(names = "--idle", defaultValue = "20", description = "With --serve: idle sandboxes to weigh (default: ${DEFAULT-VALUE}).")
    int idle;

    @Option(names = "--json", description = "Print one JSON object instead of a table.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (runs < 1 || coldRuns < 1) {
            throw new IllegalArgumentException("--runs and --cold-runs must be at least 1");
        }
        if (serve) {
            var report = new ServeBenchmark(thaw.runtime(), BenchCommand::progress)
                    .run(language, code, runs, coldRuns, clients, requests, idle);
            if (json) {
                Json.print(report);
            } else {
                ServeReport.print(report);
            }
            return 0;
        }
        if (store) {
            StoreBenchmark.Report report = new StoreBenchmark(thaw.runtime(), BenchCommand::progress).run(language, runs);
            if (json) {
                Json.print(report);
            } else {
                StoreReport.print(report);
            }
            return 0;
        }
        var benchmark = new StartupBenchmark(thaw.runtime(), BenchCommand::progress);
        StartupBenchmark.Report report = benchmark.run(language, code, coldRuns, runs);
        if (json) {
            Json.print(report);
        } else {
            print(report);
        }
        return 0;
    }

    private static void progress(String line) {
        System.err.println("bench: " + line);
    }

    private static void print(StartupBenchmark.Report report) {
        System.out.printf("%-8s %5s %9s %9s %9s %9s%n", "mode", "runs", "min ms", "p50 ms", "p95 ms", "max ms");
        row("cold", report.cold());
        row("restore", report.restore());
        System.out.printf(Locale.ROOT, "ratio (cold p50 / restore p50): %.1fx%n", report.ratio());
    }

    static void row(String mode, LatencyStats s) {
        System.out.printf(Locale.ROOT, "%-8s %5d %9.1f %9.1f %9.1f %9.1f%n", mode, s.runs(), s.minMs(), s.p50Ms(),
                s.p95Ms(), s.maxMs());
    }
}
