package dev.thaw.server;

import dev.thaw.sandbox.LanguageSamples;
import dev.thaw.sandbox.RunRequest;
import dev.thaw.sandbox.Sandbox;
import dev.thaw.sandbox.Timings;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Sandboxes of one language restored ahead of time, warmed by running hello and paused, so a
 * request takes one (resume and exec) instead of waiting for a restore. A filler thread
 * restores a replacement whenever one is taken, once the request that took it has its answer
 * (or {@link #REFILL_DELAY} after the take at the latest): on a small host a restore beside
 * the run it replaces slows that run down (python hello from the pool, {@code timings.total}
 * over 14 spaced runs: 44-88 ms with the refill at once, 33-57 ms with it deferred). Each
 * waiting sandbox holds a VM slot.
 */
final class WarmPool implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(WarmPool.class.getName());
    private static final Duration RETRY = Duration.ofSeconds(5);
    private static final int WARM_UP_RUNS = 3;
    static final Duration REFILL_DELAY = Duration.ofSeconds(1);

    private final String language;
    private volatile int size;
    private final Supplier<Sandbox> restore;
    private final VmSlots slots;
    private final BlockingQueue<Pooled> ready;
    private final Object refill = new Object();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicInteger running = new AtomicInteger();
    private volatile long lastTakeNanos;
    private final Thread filler;

    /** A waiting sandbox and the VM slot it holds. */
    record Pooled(Sandbox sandbox, VmSlots.Slot slot) {}

    WarmPool(String language, int size, Supplier<Sandbox> restore, VmSlots slots) {
        this.language = language;
        this.size = size;
        this.restore = restore;
        this.slots = slots;
        this.ready = new LinkedBlockingQueue<>();
        this.filler = Thread.ofVirtual().name("pool-" + language).start(this::fill);
    }

    /**
     * A warm sandbox if one is waiting; the caller owns it (and its slot) from now on and calls
     * {@link #finished()} once its request has its answer.
     */
    Optional<Pooled> take() {
        Pooled taken = ready.poll();
        if (taken != null) {
            lastTakeNanos = System.nanoTime();
            running.incrementAndGet();
        }
        return Optional.ofNullable(taken);
    }

    /** The request that took a sandbox is answered: its replacement may be restored now. */
    void finished() {
        running.decrementAndGet();
        wakeFiller();
    }

    private void wakeFiller() {
        synchronized (refill) {
            refill.notifyAll();
        }
    }

    int ready() {
        return ready.size();
    }

    int size() {
        return size;
    }

    /** Changes how many sandboxes wait; extra ones are stopped at once, missing ones restored. */
    void resize(int newSize) {
        synchronized (refill) {
            size = newSize;
            for (Pooled extra; ready.size() > newSize && (extra = ready.poll()) != null; ) {
                stop(extra);
            }
            refill.notifyAll();
        }
    }

    /** Adds a freshly warmed sandbox, unless the pool shrank or closed while it was being restored. */
    private void offer(Pooled warm) {
        synchronized (refill) {
            if (!closed.get() && ready.size() < size) {
                ready.add(warm);
                return;
            }
        }
        stop(warm);
    }

    private static void stop(Pooled pooled) {
        try {
            pooled.sandbox().close();
        } finally {
            pooled.slot().close();
        }
    }

    private void fill() {
        while (!closed.get()) {
            if (ready.size() >= size) {
                await(Duration.ofSeconds(1));
                continue;
            }
            Duration deferred = refillDeferral();
            if (deferred.isPositive()) {
                await(deferred);
                continue;
            }
            try {
                offer(warm());
            } catch (RuntimeException e) {
                if (closed.get()) {
                    return;
                }
                LOG.log(System.Logger.Level.WARNING, "cannot fill the " + language + " pool; retrying in "
                        + RETRY.toSeconds() + " s: " + e.getMessage());
                sleep(RETRY);
            }
        }
    }

    /**
     * Under TCG a guest's first pass through any code is translated first, in each new VMM
     * process; running the language's hello program a few times translates most of what a short
     * program needs, so the request that takes the sandbox does not pay for it. A runner whose
     * runtime keeps its code in its own heap warms up in its own process instead: hello runs,
     * each a process of its own, would leave the runner's code untranslated.
     */
    private static void warmUp(Sandbox sandbox) {
        if (sandbox.language().residentWarmsAgain()) {
            sandbox.warmResident();
            return;
        }
        String language = sandbox.language().id();
        RunRequest hello = RunRequest.of(language, LanguageSamples.builtIn().warmUpCode(language));
        for (int i = 0; i < WARM_UP_RUNS; i++) {
            sandbox.exec(hello, new Timings());
        }
    }

    private Pooled warm() {
        VmSlots.Slot slot = slots.acquire();
        try {
            Sandbox sandbox = restore.get();
            try {
                warmUp(sandbox);
                sandbox.pause();
                sandbox.markPooled();
                return new Pooled(sandbox, slot);
            } catch (RuntimeException e) {
                sandbox.close();
                throw e;
            }
        } catch (RuntimeException e) {
            slot.close();
            throw e;
        }
    }

    /** How much longer a refill waits for the requests that took sandboxes to be answered. */
    private Duration refillDeferral() {
        if (running.get() <= 0) {
            return Duration.ZERO;
        }
        return REFILL_DELAY.minusNanos(System.nanoTime() - lastTakeNanos);
    }

    private void await(Duration atMost) {
        synchronized (refill) {
            try {
                refill.wait(Math.max(1, atMost.toMillis()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                closed.set(true);
            }
        }
    }

    @Override
    public void close() {
        closed.set(true);
        filler.interrupt();
        try {
            filler.join(Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Pooled pooled; (pooled = ready.poll()) != null; ) {
            stop(pooled);
        }
    }

    /** Pool sizes per language from {@code python=2,sh=1}. */
    static Map<String, Integer> parseSizes(String spec) {
        Map<String, Integer> sizes = new java.util.LinkedHashMap<>();
        if (spec == null || spec.isBlank()) {
            return sizes;
        }
        for (String entry : spec.split(",")) {
            String[] parts = entry.trim().split("=");
            try {
                int n = Integer.parseInt(parts[1].trim());
                if (parts.length != 2 || n < 0) {
                    throw new NumberFormatException();
                }
                sizes.put(parts[0].trim(), n);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("pool sizes are LANGUAGE=N, separated by commas, e.g. python=2,sh=1; "
                        + "'" + entry + "' is not");
            }
        }
        return sizes;
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
