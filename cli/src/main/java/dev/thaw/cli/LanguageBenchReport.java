package dev.thaw.cli;

import dev.thaw.bench.LanguageResult;
import dev.thaw.bench.LanguageResult.Outcome;
import dev.thaw.sandbox.Language;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The languages benchmark: as a text table, its totals and the same table in Markdown that the
 * README takes as it is; or, serialized, as JSON.
 *
 * @param addsBytes the disk each language's own image layer adds ({@link LanguageDisk#addsBytes()}),
 *                  by id; a language without a built image is missing
 */
record LanguageBenchReport(List<LanguageResult> languages, Map<String, Long> addsBytes) {

    private static final List<String> HEADER = List.of("language", "version", "adds", "kind", "cold ms",
            "restore p50 ms", "ratio", "target", "result");
    private static final String TEXT_ROW = "%-13s %-12s %-10s %-12s %8s %14s %7s %6s  %s";
    /** Long enough for a compiler's first complaint; the whole message went to stderr during the run. */
    private static final int FAILURE_CHARS = 160;

    LanguageBenchReport {
        languages = List.copyOf(languages);
        addsBytes = Map.copyOf(addsBytes);
    }

    void print() {
        text().forEach(System.out::println);
        System.out.println(totals());
        System.out.println();
        markdown().forEach(System.out::println);
    }

    List<String> text() {
        List<String> lines = new ArrayList<>();
        lines.add(String.format(TEXT_ROW, HEADER.stream().map(h -> h.toUpperCase(Locale.ROOT)).toArray()));
        languages.forEach(r -> lines.add(String.format(TEXT_ROW, cells(r).toArray())));
        return lines;
    }

    List<String> markdown() {
        List<String> lines = new ArrayList<>();
        lines.add(markdownRow(HEADER));
        lines.add("| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | --- |");
        languages.forEach(r -> lines.add(markdownRow(cells(r).stream().map(c -> c.replace("|", "\\|")).toList())));
        return lines;
    }

    /** How many languages met their target, in all and by kind, and how many failed. */
    String totals() {
        String byKind = languages.stream().collect(Collectors.groupingBy(LanguageResult::kind)).entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .map(e -> String.format(Locale.ROOT, "%s %s: %d of %d", kind(e.getKey()),
                        times(LanguageResult.targetRatio(e.getKey())), count(e.getValue(), Outcome.MET),
                        e.getValue().size()))
                .collect(Collectors.joining(", "));
        return String.format(Locale.ROOT, "%d of %d languages met their target (%s); %d failed",
                count(languages, Outcome.MET), languages.size(), byKind, count(languages, Outcome.FAILED));
    }

    private List<String> cells(LanguageResult r) {
        String disk = LanguageDisk.adds(Optional.ofNullable(addsBytes.get(r.id())));
        String target = times(r.targetRatio());
        if (r.outcome() == Outcome.FAILED) {
            return List.of(r.id(), r.version(), disk, kind(r.kind()), "-", "-", "-", target,
                    "failed: " + oneLine(r.failure()));
        }
        var s = r.startup();
        return List.of(r.id(), r.version(), disk, kind(r.kind()), ms(s.cold().p50Ms()), ms(s.restore().p50Ms()),
                String.format(Locale.ROOT, "%.1fx", s.ratio()), target, r.outcome().label());
    }

    private static long count(List<LanguageResult> results, Outcome outcome) {
        return results.stream().filter(r -> r.outcome() == outcome).count();
    }

    private static String markdownRow(List<String> cells) {
        return "| " + String.join(" | ", cells) + " |";
    }

    private static String kind(Language.Kind kind) {
        return kind == Language.Kind.JVM ? "JVM" : kind.name().toLowerCase(Locale.ROOT);
    }

    private static String ms(double ms) {
        return String.format(Locale.ROOT, "%.0f", ms);
    }

    private static String times(double ratio) {
        return String.format(Locale.ROOT, "%.0fx", ratio);
    }

    private static String oneLine(String message) {
        String line = message == null ? "no message" : message.strip().replaceAll("\\s+", " ");
        return line.length() > FAILURE_CHARS ? line.substring(0, FAILURE_CHARS) + "..." : line;
    }
}
