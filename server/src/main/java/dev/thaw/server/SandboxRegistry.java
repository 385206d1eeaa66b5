package dev.thaw.server;

import dev.thaw.sandbox.RunRequest;
import dev.thaw.sandbox.RunResult;
import dev.thaw.sandbox.Sandbox;
import dev.thaw.sandbox.Timings;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Sandboxes that live across requests, by id. Each holds a VM slot until deleted or, after
 * {@code idleTimeout} without a request, expired; one request at a time runs in each.
 * Between requests a sandbox is paused: under TCG an idle guest still costs a few percent
 * of a core for its timer ticks, so a few dozen idle sandboxes would take a 2-core host's
 * CPU from the ones that run. Nothing runs in a sandbox between requests anyway: a
 * program's background processes end with it.
 */
final class SandboxRegistry implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(SandboxRegistry.class.getName());

    private final Map<String, Entry> live = new ConcurrentHashMap<>();
    private final Duration idleTimeout;
    private final InstantSource clock;
    private final Thread reaper;

    private static final class Entry {
        final Sandbox sandbox;
        final VmSlots.Slot slot;
        volatile Instant lastUsed;
        boolean paused;

        Entry(Sandbox sandbox, VmSlots.Slot slot, Instant now) {
            this.sandbox = sandbox;
            this.slot = slot;
            this.lastUsed = now;
        }
    }

    SandboxRegistry(Duration idleTimeout, InstantSource clock) {
        this.idleTimeout = idleTimeout;
        this.clock = clock;
        this.reaper = Thread.ofVirtual().name("sandbox-reaper").start(this::reap);
    }

    String add(Sandbox sandbox, VmSlots.Slot slot) {
        Entry entry = new Entry(sandbox, slot, clock.instant());
        pause(entry);
        live.put(sandbox.id(), entry);
        return sandbox.id();
    }

    RunResult exec(String id, RunRequest request) {
        return with(id, sandbox -> sandbox.exec(request, new Timings(), false));
    }

    /** Runs {@code action} on the sandbox with no other request in it. */
    <T> T with(String id, Function<Sandbox, T> action) {
        Entry entry = entry(id);
        synchronized (entry) {
            if (!live.containsKey(id)) {
                throw gone(id);
            }
            entry.lastUsed = clock.instant();
            try {
                if (entry.paused) {
                    entry.sandbox.resume();
                    entry.paused = false;
                }
                return action.apply(entry.sandbox);
            } finally {
                entry.lastUsed = clock.instant();
                pause(entry);
            }
        }
    }

    /** Pauses a sandbox between requests; a broken one is left as it is, for its next request to report. */
    private static void pause(Entry entry) {
        if (!entry.paused && !entry.sandbox.broken()) {
            try {
                entry.sandbox.pause();
                entry.paused = true;
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "cannot pause sandbox " + entry.sandbox.id() + ": " + e.getMessage());
            }
        }
    }

    void delete(String id) {
        Entry entry = live.remove(id);
        if (entry == null) {
            throw gone(id);
        }
        synchronized (entry) {
            close(entry);
        }
    }

    int size() {
        return live.size();
    }

    private Entry entry(String id) {
        Entry entry = live.get(id);
        if (entry == null) {
            throw gone(id);
        }
        return entry;
    }

    private static ApiException gone(String id) {
        return new ApiException(404, "not_found", "no sandbox '" + id + "': it was deleted, expired after its idle "
                + "timeout, or never existed; create one with POST /v1/sandboxes");
    }

    private void reap() {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(Math.max(100, Math.min(idleTimeout.toMillis() / 4, 5000)));
            } catch (InterruptedException e) {
                return;
            }
            Instant cutoff = clock.instant().minus(idleTimeout);
            live.forEach((id, entry) -> {
                if (entry.lastUsed.isBefore(cutoff) && live.remove(id, entry)) {
                    LOG.log(System.Logger.Level.INFO, "sandbox {0} expired after {1} s idle", id,
                            idleTimeout.toSeconds());
                    synchronized (entry) {
                        close(entry);
                    }
                }
            });
        }
    }

    private static void close(Entry entry) {
        try {
            entry.sandbox.close();
        } finally {
            entry.slot.close();
        }
    }

    @Override
    public void close() {
        reaper.interrupt();
        live.keySet().forEach(id -> {
            try {
                delete(id);
            } catch (ApiException e) {
                // expired meanwhile
            }
        });
    }
}
