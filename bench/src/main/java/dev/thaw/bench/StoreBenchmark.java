package dev.thaw.bench;

import dev.thaw.sandbox.RunRequest;
import dev.thaw.sandbox.RunResult;
import dev.thaw.sandbox.ThawRuntime;
import dev.thaw.sandbox.Timings;
import dev.thaw.snapshot.MemoryFiles;
import dev.thaw.snapshot.Snapshot;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What the snapshot store costs and saves, for one language's snapshot: how sparse its
 * memory file is, how long creating and verifying take, how big diff snapshots are after
 * the guest wrote 8 and 64 MiB, and how restoring from diff chains compares with
 * restoring a full snapshot, all in one run. Its snapshots are named {@code bench-*} and
 * removed afterwards.
 */
public final class StoreBenchmark {

    private static final String PREFIX = "bench-";
    private final ThawRuntime runtime;
    private final Consumer<String> log;

    public StoreBenchmark(ThawRuntime runtime, Consumer<String> log) {
        this.runtime = runtime;
        this.log = log;
    }

    public record MemoryFile(long apparentBytes, long allocatedBytes) {}

    /**
     * @param publishMs all of the commit: freeing zero pages, fsync, checksums, rename
     */
    public record Creation(double totalMs, double saveMs, double publishMs, double sparseMs, double syncMs,
            double checksumMs, double verifyMs) {}

    public record Diff(int writtenMiB, long memoryAllocatedBytes, long allocatedBytes, double saveMs) {}

    /** Restore to first result from a snapshot at {@code depth} diffs above a full one (0: the full one). */
    public record ChainRestore(int depth, double firstMs, LatencyStats later) {}

    public record Report(String language, MemoryFile memory, Creation creation, List<Diff> diffs,
            List<ChainRestore> restores) {}

    public Report run(String language, int restoreRuns) {
        String full = PREFIX + language;
        try {
            log.accept("creating snapshot " + full);
            Timings timings = new Timings();
            long start = System.nanoTime();
            Snapshot snapshot = runtime.createSnapshot(language, full, true, timings);
            double totalMs = (System.nanoTime() - start) / 1e6;
            long verifyStart = System.nanoTime();
            runtime.verifySnapshot(full);
            Creation creation = new Creation(totalMs, timings.get("save"), timings.get("publish"),
                    timings.get("publish.sparse"), timings.get("publish.sync"), timings.get("publish.checksum"),
                    (System.nanoTime() - verifyStart) / 1e6);
            MemoryFile memory = new MemoryFile(MemoryFiles.size(snapshot.files().memory()),
                    MemoryFiles.allocatedBytes(snapshot.files().memory()));
            List<Diff> diffs = List.of(diff(language, full, 8), diff(language, full, 64));
            return new Report(language, memory, creation, diffs, chainRestores(language, full, restoreRuns));
        } finally {
            removeBenchSnapshots();
        }
    }

    private Diff diff(String language, String parent, int mib) {
        String id = PREFIX + "diff-" + mib;
        log.accept("saving " + id + " after the guest writes " + mib + " MiB");
        // Filled in place, 64 KiB at a time: bytearray(os.urandom(n)) would touch 2n bytes.
        String code = "import os\nnoise = bytearray(" + mib + " << 20)\nfor i in range(0, len(noise), 65536):\n"
                + "    noise[i:i + 65536] = os.urandom(65536)\nprint(len(noise))";
        ThawRuntime.SavedRun saved = runtime.runAndSave(request(language, code, parent), id, true);
        check(saved.result(), id);
        Snapshot diff = saved.snapshot();
        return new Diff(mib, MemoryFiles.allocatedBytes(diff.files().memory()), diff.allocatedBytes(),
                saved.result().timings().get("save"));
    }

    private List<ChainRestore> chainRestores(String language, String full, int runs) {
        Map<Integer, String> byDepth = new LinkedHashMap<>();
        byDepth.put(0, full);
        String parent = full;
        for (int depth = 1; depth <= 3; depth++) {
            String id = PREFIX + "chain-" + depth;
            runtime.runAndSave(request(language, "open('/tmp/depth', 'w').write('" + depth + "')", parent), id, true);
            byDepth.put(depth, id);
            parent = id;
        }
        List<ChainRestore> restores = new ArrayList<>();
        for (int depth : List.of(0, 1, 3)) {
            restores.add(restore(language, depth, byDepth.get(depth), runs));
        }
        return restores;
    }

    private ChainRestore restore(String language, int depth, String id, int runs) {
        RunRequest hello = request(language, "print('hello')", id);
        double first = timedRun(hello, id);
        List<Double> later = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            later.add(timedRun(hello, id));
        }
        LatencyStats stats = LatencyStats.of(later);
        log.accept(String.format("depth %d (%s): first %.1f ms, then p50 %.1f ms", depth, id, first, stats.p50Ms()));
        return new ChainRestore(depth, first, stats);
    }

    private double timedRun(RunRequest request, String id) {
        RunResult result = runtime.run(request);
        check(result, id);
        return result.timings().get("total");
    }

    private static RunRequest request(String language, String code, String snapshotId) {
        return new RunRequest(language, code.getBytes(StandardCharsets.UTF_8), null, null, null,
                RunRequest.DEFAULT_OUTPUT_CAP, false, snapshotId);
    }

    private static void check(RunResult result, String what) {
        if (result.exitCode() != 0 || result.timedOut()) {
            throw new IllegalStateException("run on " + what + " failed (exit " + result.exitCode() + "): "
                    + new String(result.stderr(), StandardCharsets.UTF_8));
        }
    }

    /** Newest first, so that no snapshot is removed before the diffs made against it. */
    private void removeBenchSnapshots() {
        List<Snapshot> ours = runtime.snapshots().stream().filter(s -> s.manifest().id().startsWith(PREFIX))
                .sorted((a, b) -> b.manifest().createdAt().compareTo(a.manifest().createdAt())).toList();
        for (Snapshot snapshot : ours) {
            try {
                runtime.removeSnapshot(snapshot.manifest().id());
            } catch (RuntimeException e) {
                log.accept("cannot remove " + snapshot.manifest().id() + ": " + e.getMessage());
            }
        }
    }
}
