package dev.thaw.server;

import dev.thaw.sandbox.RunRequest;
import dev.thaw.sandbox.RunResult;
import dev.thaw.sandbox.Sandbox;
import dev.thaw.sandbox.ThawRuntime;
import dev.thaw.sandbox.Timings;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One-shot runs: from the language's warm pool when a sandbox waits there, else from a
 * fresh restore, each holding a VM slot while it runs.
 */
final class Runs implements AutoCloseable {

    private final ThawRuntime runtime;
    private final VmSlots slots;
    private final Metrics metrics;
    private final Map<String, WarmPool> pools = new ConcurrentHashMap<>();
    private final ExecutorService disposal = Executors.newVirtualThreadPerTaskExecutor();

    Runs(ThawRuntime runtime, VmSlots slots, Metrics metrics) {
        this.runtime = runtime;
        this.slots = slots;
        this.metrics = metrics;
    }

    /** Starts a pool of {@code size} warm sandboxes for each language named. */
    void startPools(Map<String, Integer> sizes) {
        sizes.forEach((language, size) -> {
            String id = runtime.languages().get(language).id();
            WarmPool pool = new WarmPool(id, size, () -> runtime.startSandbox(id, null), slots);
            pools.put(id, pool);
            metrics.gauge(Metrics.labelled("thaw_pool_ready", "language", id), pool::ready);
            metrics.gauge(Metrics.labelled("thaw_pool_size", "language", id), pool::size);
        });
    }

    /** Pool size and waiting sandboxes per language. */
    Map<String, Map<String, Integer>> pools() {
        Map<String, Map<String, Integer>> out = new java.util.TreeMap<>();
        pools.forEach((language, pool) -> out.put(language, Map.of("size", pool.size(), "ready", pool.ready())));
        return out;
    }

    /**
     * Sets a language's pool size at runtime, starting the pool if it has none; 0 stops
     * keeping sandboxes. The pools together must leave VM slots for other requests.
     */
    void resizePool(String language, int size, int maxVms) {
        String id = runtime.languages().get(language).id();
        int others = pools.entrySet().stream().filter(e -> !e.getKey().equals(id))
                .mapToInt(e -> e.getValue().size()).sum();
        if (size < 0 || others + size >= maxVms) {
            throw ApiException.badRequest("pool size must be at least 0 and leave VM slots free: the other pools "
                    + "hold " + others + " of " + maxVms + " (--max-vms), so " + id + " may have at most "
                    + Math.max(0, maxVms - others - 1) + "; asked for " + size);
        }
        WarmPool pool = pools.get(id);
        if (pool == null) {
            startPools(Map.of(id, size));
        } else {
            pool.resize(size);
        }
    }

    int poolReady(String language) {
        WarmPool pool = pools.get(runtime.languages().get(language).id());
        return pool == null ? 0 : pool.ready();
    }

    RunResult execute(RunRequest request) {
        long start = System.nanoTime();
        RunResult result = pooled(request).orElseGet(() -> restored(request));
        metrics.run(result.mode(), (System.nanoTime() - start) / 1e9);
        return result;
    }

    private RunResult restored(RunRequest request) {
        VmSlots.Slot slot = slots.acquire();
        AtomicBoolean handedOver = new AtomicBoolean();
        try {
            return runtime.run(request, sandbox -> {
                handedOver.set(true);
                dispose(sandbox, slot);
            });
        } finally {
            if (!handedOver.get()) {
                slot.close(); // no sandbox was started
            }
        }
    }

    /** A one-shot sandbox that gets {@code files} (by guest path) before the program runs. */
    RunResult executeWithFiles(RunRequest request, Map<String, byte[]> files) {
        long start = System.nanoTime();
        VmSlots.Slot slot = slots.acquire();
        Sandbox sandbox;
        try {
            sandbox = runtime.startSandbox(request.language(), null, request.network());
        } catch (RuntimeException e) {
            slot.close();
            throw e;
        }
        try {
            files.forEach(sandbox::putFile);
            Timings timings = new Timings();
            RunResult result = sandbox.exec(request, timings, true);
            timings.record("total", System.nanoTime() - start);
            metrics.run(result.mode(), (System.nanoTime() - start) / 1e9);
            return result;
        } finally {
            dispose(sandbox, slot);
        }
    }

    /**
     * Stops a used one-shot sandbox, then frees its VM slot, while the response is already on
     * its way: stopping QEMU and removing its files is no part of the caller's answer.
     */
    private void dispose(Sandbox sandbox, VmSlots.Slot slot) {
        try {
            disposal.execute(() -> stop(sandbox, slot));
        } catch (RejectedExecutionException closing) {
            stop(sandbox, slot);
        }
    }

    private static void stop(Sandbox sandbox, VmSlots.Slot slot) {
        try (slot; sandbox) {
            // closing both, the sandbox first
        }
    }

    private Optional<RunResult> pooled(RunRequest request) {
        WarmPool pool = request.snapshotId() == null && !request.cold() && !request.network()
                ? pools.get(runtime.languages().get(request.language()).id()) : null;
        if (pool == null) {
            return Optional.empty();
        }
        return pool.take().map(taken -> {
            Sandbox sandbox = taken.sandbox();
            try {
                Timings timings = new Timings();
                long start = System.nanoTime();
                sandbox.resume();
                timings.record("resume", System.nanoTime() - start);
                RunResult result = sandbox.exec(request, timings, true);
                timings.record("total", System.nanoTime() - start);
                return result;
            } finally {
                pool.finished();
                dispose(sandbox, taken.slot());
            }
        });
    }

    /** Stops the pools, then waits for used sandboxes still being stopped. */
    @Override
    public void close() {
        pools.values().forEach(WarmPool::close);
        disposal.close();
    }
}
