package dev.thaw.cli;

import dev.thaw.bench.LanguageBenchmark;
import dev.thaw.bench.LanguageResult;
import dev.thaw.bench.LatencyStats;
import dev.thaw.bench.StartupBenchmark;
import dev.thaw.bench.ServeBenchmark;
import dev.thaw.bench.StoreBenchmark;
import dev.thaw.sandbox.Language;
import dev.thaw.sandbox.LanguageSamples;
import dev.thaw.sandbox.Languages;
import dev.thaw.sandbox.ThawRuntime;
import java.io.IOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measures cold boot against restore to first result, in one run on this machine.",
                "With --store: the snapshot store's sizes and times (sparse memory, create, verify, diffs, chains).",
                "With --languages: each language's hello program, cold against restore, against issue 5's targets."})
final class BenchCommand implements Callable<Integer> {

    @ParentCommand
    ThawCommand thaw;

    @Option(names = {"-l", "--lang"}, description = {"Language (default: python);",
            "with --languages, a comma-separated list (default: all)."})
    String language;

    @Option(names = "--code", description = "Program to run (default: the language's hello program).")
    String code;

    @Option(names = "--runs", description = "Restore runs (default: 20; 3 with --languages).")
    Integer runs;

    @Option(names = "--cold-runs", description = "Cold boot runs (default: 3; 1 with --languages).")
    Integer coldRuns;

    @Option(names = "--languages", description = {"Measure cold boot against restore for every language (or --lang's),",
            "one row each with version, disk, ratio and target; then totals and the table in Markdown."})
    boolean languages;

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

    @Mixin
    StandbyVmmsOption standbyVmms = new StandbyVmmsOption();

    @Option(names = "--json", description = "Print one JSON object instead of a table.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        int restoreRuns = runs != null ? runs : languages ? 3 : 20;
        int coldBootRuns = coldRuns != null ? coldRuns : languages ? 1 : 3;
        if (restoreRuns < 1 || coldBootRuns < 1) {
            throw new IllegalArgumentException("--runs and --cold-runs must be at least 1");
        }
        if (languages && (serve || store)) {
            throw new IllegalArgumentException(
                    "--languages measures startup; it cannot be combined with --serve or --store");
        }
        ThawRuntime runtime = thaw.runtime(standbyVmms.count());
        if (languages) {
            // Exits 0 when languages miss their targets or fail: the table is the result.
            emit(benchLanguages(runtime, coldBootRuns, restoreRuns), LanguageBenchReport::print);
            return 0;
        }
        String lang = language != null ? language : "python";
        if (store) {
            emit(new StoreBenchmark(runtime, BenchCommand::progress).run(lang, restoreRuns), StoreReport::print);
            return 0;
        }
        String program = code != null ? code : hello(runtime.languages(), lang);
        if (serve) {
            emit(new ServeBenchmark(runtime, BenchCommand::progress)
                    .run(lang, program, restoreRuns, coldBootRuns, clients, requests, idle), ServeReport::print);
        } else {
            emit(new StartupBenchmark(runtime, BenchCommand::progress).run(lang, program, coldBootRuns, restoreRuns),
                    BenchCommand::print);
        }
        return 0;
    }

    private <T> void emit(T report, Consumer<T> asText) throws IOException {
        if (json) {
            Json.print(report);
        } else {
            asText.accept(report);
        }
    }

    private LanguageBenchReport benchLanguages(ThawRuntime runtime, int coldBootRuns, int restoreRuns) {
        List<Language> chosen = language == null ? runtime.languages().all() : chosen(language, runtime.languages());
        var benchmark = new LanguageBenchmark(runtime, LanguageSamples.builtIn(), BenchCommand::progress);
        List<LanguageResult> results = benchmark.run(chosen, coldBootRuns, restoreRuns);
        return new LanguageBenchReport(results, addsBytes(runtime, chosen));
    }

    /**
     * The languages of {@code --lang}'s comma-separated list, by id or alias, each once and in
     * the order given; all are looked up before any is measured, so a typo fails at once.
     */
    static List<Language> chosen(String list, Languages known) {
        List<Language> chosen = Arrays.stream(list.split(",")).map(String::strip).filter(name -> !name.isEmpty())
                .map(known::get).distinct().toList();
        if (chosen.isEmpty()) {
            throw new IllegalArgumentException("--lang '" + list + "' names no language; give ids separated by commas,"
                    + " e.g. --lang bash,python,c, or leave it out for all");
        }
        return chosen;
    }

    /** The language's own hello program, so that {@code --lang} alone measures any language. */
    static String hello(Languages known, String lang) {
        String id = known.get(lang).id();
        return LanguageSamples.builtIn().hello(id).orElseThrow(() -> new IllegalArgumentException(
                "thaw has no hello program for " + id + "; pass the program to measure with --code"));
    }

    /** Measured after the runs, which build the images that were missing. */
    private static Map<String, Long> addsBytes(ThawRuntime runtime, List<Language> chosen) {
        Map<String, Long> adds = new HashMap<>();
        for (LanguageDisk disk : LanguageDisk.all(runtime)) {
            if (chosen.contains(disk.language())) {
                disk.addsBytes().ifPresent(bytes -> adds.put(disk.language().id(), bytes));
            }
        }
        return adds;
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
