package dev.thaw.sandbox;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * VMM processes started ahead for the next restore of snapshots restored recently: each is
 * up, with the snapshot's memory file mapped, its own empty disk layer and its disks open,
 * and waits for the device state. Starting QEMU is most of a restore's own cost under TCG
 * (the dynamic linker and the page faults of a large binary: 55-75 ms here, where a standby
 * then loads in under 10 ms); everything the guest does, from resuming to the program's
 * result, still happens in the request.
 *
 * <p>One standby per snapshot; closing the sandbox a standby became starts the next one in
 * the background (see {@link SandboxFactory#restore}). A standby
 * serves only a restore of the very files it was started with ({@link StandbyKey}): one for
 * a snapshot made again, or whose memory file was unpacked again, is closed instead. Beyond
 * the capacity the standby refilled longest ago is closed.
 */
final class StandbyVmms implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(StandbyVmms.class.getName());
    /** How long a standby still starting is waited for: far longer than one QEMU start takes. */
    private static final long TAKE_WAIT_MS = 5_000;

    /** A standby, started or starting; once discarded, it is closed as soon as it has started. */
    private static final class Standby {
        final StandbyKey key;
        final FutureTask<StartedVmm> started;
        volatile boolean discarded;

        Standby(StandbyKey key, Supplier<StartedVmm> start) {
            this.key = key;
            this.started = new FutureTask<>(() -> start(start));
        }

        /** Starts it unless it was discarded first; one discarded while it started is closed. */
        StartedVmm start(Supplier<StartedVmm> start) {
            if (discarded) {
                throw new CancellationException("discarded before it started");
            }
            StartedVmm vmm = start.get();
            if (discarded) {
                vmm.close();
                throw new CancellationException("discarded while it started");
            }
            return vmm;
        }
    }

    private final int capacity;
    /** By the snapshot's device state file, in the order they were refilled. */
    private final Map<Path, Standby> standbys = new LinkedHashMap<>();
    /** Discarded, and not yet seen stopped. */
    private final Set<Standby> closing = new HashSet<>();
    private final ExecutorService starter;
    private boolean closed;

    StandbyVmms(int capacity) {
        this.capacity = capacity;
        this.starter = Executors.newSingleThreadExecutor(r -> {
            Thread thread = new Thread(r, "thaw-standby-vmm");
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * The standby started for exactly {@code key}'s files, waiting for it if it is still
     * starting; empty if there is none, or it failed to start, or its files have changed.
     */
    Optional<StartedVmm> take(StandbyKey key) {
        Standby standby;
        synchronized (this) {
            standby = standbys.remove(key.vmstate());
        }
        if (standby == null) {
            return Optional.empty();
        }
        if (!standby.key.equals(key)) {
            discard(standby);
            return Optional.empty();
        }
        return await(standby);
    }

    /**
     * Starts a standby for {@code key} with {@code start} in the background, unless one is
     * there already or standbys are off.
     */
    void refill(StandbyKey key, Supplier<StartedVmm> start) {
        if (capacity == 0) {
            return;
        }
        synchronized (this) {
            if (closed || standbys.containsKey(key.vmstate())) {
                return;
            }
            Standby standby = new Standby(key, start);
            starter.execute(standby.started);
            standbys.put(key.vmstate(), standby);
            Iterator<Standby> oldest = standbys.values().iterator();
            while (standbys.size() > capacity) {
                discard(oldest.next());
                oldest.remove();
            }
        }
    }

    /** Whether standbys are kept at all: without, a restore need not work out their key. */
    boolean enabled() {
        return capacity > 0;
    }

    synchronized int size() {
        return standbys.size();
    }

    /**
     * Stops every standby, waiting for those still starting or being stopped, so that none
     * outlives the call; later refills start none.
     */
    @Override
    public void close() {
        List<Standby> all;
        synchronized (this) {
            closed = true;
            all = new ArrayList<>(standbys.values());
            all.addAll(closing);
            standbys.clear();
        }
        all.forEach(standby -> standby.discarded = true);
        starter.shutdown();
        all.forEach(this::closeStarted);
    }

    private Optional<StartedVmm> await(Standby standby) {
        try {
            return Optional.of(standby.started.get(TAKE_WAIT_MS, TimeUnit.MILLISECONDS));
        } catch (ExecutionException | CancellationException e) {
            LOG.log(System.Logger.Level.WARNING, "a standby VMM failed to start; restoring without one: "
                    + (e.getCause() == null ? e : e.getCause()).getMessage());
        } catch (TimeoutException e) {
            LOG.log(System.Logger.Level.WARNING, "a standby VMM took over " + TAKE_WAIT_MS
                    + " ms to start; restoring without one");
            discard(standby);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            discard(standby);
        }
        return Optional.empty();
    }

    /**
     * Stops a standby in the background, once it has started if it is still starting (or
     * never, if it never does): stopping QEMU takes a while, and callers may hold the lock.
     */
    private void discard(Standby standby) {
        standby.discarded = true;
        synchronized (this) {
            closing.add(standby);
        }
        Thread.ofVirtual().name("thaw-standby-discard").start(() -> closeStarted(standby));
    }

    private void closeStarted(Standby standby) {
        try {
            standby.started.get().close();
        } catch (ExecutionException | CancellationException e) {
            // it never started, or closed itself on seeing it was discarded
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            synchronized (this) {
                closing.remove(standby);
            }
        }
    }
}
