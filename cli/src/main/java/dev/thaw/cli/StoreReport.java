package dev.thaw.cli;

import dev.thaw.bench.StoreBenchmark;
import java.util.Locale;

/** The store benchmark as text tables. */
final class StoreReport {

    private StoreReport() {}

    static void print(StoreBenchmark.Report r) {
        StoreBenchmark.MemoryFile m = r.memory();
        System.out.printf(Locale.ROOT, "%s snapshot memory file: %s apparent, %s allocated (%.1f%%)%n", r.language(),
                Sizes.human(m.apparentBytes()), Sizes.human(m.allocatedBytes()),
                100.0 * m.allocatedBytes() / m.apparentBytes());
        StoreBenchmark.Creation c = r.creation();
        System.out.printf(Locale.ROOT, "create: %.0f ms in all, boot and warm-up included%n", c.totalMs());
        System.out.printf(Locale.ROOT, "  pause to published %.0f ms: save device state %.0f ms, commit %.0f ms "
                + "(free zero pages %.0f ms, fsync %.0f ms, sha256 %.0f ms)%n", c.saveMs() + c.publishMs(), c.saveMs(),
                c.publishMs(), c.sparseMs(), c.syncMs(), c.checksumMs());
        System.out.printf(Locale.ROOT, "verify (sha256 of every file): %.0f ms%n", c.verifyMs());
        System.out.printf("%-16s %14s %14s %10s%n", "diff after", "memory on disk", "all on disk", "save ms");
        for (StoreBenchmark.Diff d : r.diffs()) {
            System.out.printf(Locale.ROOT, "%-16s %14s %14s %10.0f%n", "writing " + d.writtenMiB() + " MiB",
                    Sizes.human(d.memoryAllocatedBytes()), Sizes.human(d.allocatedBytes()), d.saveMs());
        }
        System.out.printf("%-8s %9s %5s %9s %9s %9s%n", "restore", "first ms", "runs", "min ms", "p50 ms", "p95 ms");
        for (StoreBenchmark.ChainRestore restore : r.restores()) {
            String label = restore.depth() == 0 ? "full" : restore.depth() + "-deep";
            var s = restore.later();
            System.out.printf(Locale.ROOT, "%-8s %9.1f %5d %9.1f %9.1f %9.1f%n", label, restore.firstMs(), s.runs(),
                    s.minMs(), s.p50Ms(), s.p95Ms());
        }
    }
}
