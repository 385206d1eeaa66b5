package dev.thaw.sandbox.network;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Network namespaces made ahead of time, so that a sandbox with network does not wait for
 * one (a dozen host commands) on its way to running. A returned slot is reset and kept for
 * the next sandbox while the pool is short, else removed. When the pool is empty a lease
 * makes a slot on the spot. Closing removes every slot the pool made, lent ones as they
 * come back.
 */
public final class NetworkPool implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(NetworkPool.class.getName());

    private final SlotClaims claims;
    /** For a lease that found none ready: its caller waits. */
    private final NetworkNamespaces now;
    /** For namespaces made, reset and removed ahead of time or after use. */
    private final NetworkNamespaces ahead;
    private final LinkedBlockingDeque<SlotClaims.Claim> ready = new LinkedBlockingDeque<>();
    private final Set<SlotClaims.Claim> lent = ConcurrentHashMap.newKeySet();
    private final AtomicInteger making = new AtomicInteger();
    private final AtomicInteger recycling = new AtomicInteger();
    private final ExecutorService background = Executors.newVirtualThreadPerTaskExecutor();
    private volatile int size;
    private volatile boolean closed;

    NetworkPool(SlotClaims claims, NetworkNamespaces now, NetworkNamespaces ahead, int size) {
        if (size < 0) {
            throw new IllegalArgumentException("network pool size must be at least 0, was " + size);
        }
        this.claims = claims;
        this.now = now;
        this.ahead = ahead;
        this.size = size;
    }

    /** A pool of {@code size} namespaces on this host; none are made before {@link #fill()}. */
    public static NetworkPool onHost(int size) {
        return new NetworkPool(SlotClaims.onHost(), new NetworkNamespaces(false), new NetworkNamespaces(true), size);
    }

    /**
     * Removes the namespaces of Thaw processes that died without removing them (kill -9, a
     * crash): every Thaw namespace whose slot nobody holds. Returns how many it removed.
     */
    public int removeLeftovers() {
        Path netns = Path.of("/run/netns");
        if (!Files.isDirectory(netns)) {
            return 0;
        }
        int removed = 0;
        try (Stream<Path> entries = Files.list(netns)) {
            for (Path entry : entries.toList()) {
                int index = NetworkSlot.indexOf(entry.getFileName().toString());
                if (index >= 0) {
                    removed += removeIfUnheld(index);
                }
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot list " + netns + ": " + e.getMessage());
        }
        return removed;
    }

    private int removeIfUnheld(int index) {
        return claims.tryClaim(index).map(claim -> {
            try (claim) {
                now.delete(claim.slot());
                return 1;
            }
        }).orElse(0);
    }

    /** Starts making namespaces in the background until {@code size} wait ready. */
    public void fill() {
        while (!closed && ready.size() + making.get() < size) {
            making.incrementAndGet();
            try {
                background.execute(this::makeOne);
            } catch (RejectedExecutionException closing) {
                making.decrementAndGet();
                return;
            }
        }
    }

    private void makeOne() {
        try {
            keepOrRemove(make(ahead));
        } catch (RuntimeException e) {
            // Leases make their own slot and report the same failure to their caller.
            LOG.log(System.Logger.Level.WARNING, "cannot make a network namespace ahead of time: " + e.getMessage());
        } finally {
            making.decrementAndGet();
        }
    }

    private SlotClaims.Claim make(NetworkNamespaces namespaces) {
        SlotClaims.Claim claim = claims.claimFree();
        try {
            namespaces.delete(claim.slot()); // a leftover of a dead process that held the slot
            namespaces.create(claim.slot());
            return claim;
        } catch (RuntimeException e) {
            remove(claim);
            throw e;
        }
    }

    /** A namespace for one sandbox: a ready one, or one made now when none is ready. */
    public NetworkLease lease() {
        SlotClaims.Claim polled = ready.poll();
        SlotClaims.Claim claim = polled != null ? polled : make(now);
        lent.add(claim);
        fill();
        return new NetworkLease(this, claim);
    }

    void giveBack(SlotClaims.Claim claim) {
        if (!lent.remove(claim)) {
            return; // removed when the pool closed
        }
        recycling.incrementAndGet();
        try {
            background.execute(() -> {
                try {
                    recycle(claim);
                } finally {
                    recycled();
                }
            });
        } catch (RejectedExecutionException closing) {
            recycled();
            remove(claim);
        }
    }

    private synchronized void recycled() {
        recycling.decrementAndGet();
        notifyAll();
    }

    /** Waits until namespaces given back have been reset or removed, e.g. before a server stops. */
    public synchronized void awaitReturns(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (recycling.get() > 0 && System.nanoTime() < deadline) {
            wait(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
        }
    }

    private void recycle(SlotClaims.Claim claim) {
        try {
            ahead.reset(claim.slot());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot reset " + claim.slot().namespace() + "; removing it: "
                    + e.getMessage());
            remove(claim);
            fill();
            return;
        }
        keepOrRemove(claim);
    }

    private synchronized void keepOrRemove(SlotClaims.Claim claim) {
        if (!closed && ready.size() < size) {
            ready.add(claim);
        } else {
            remove(claim);
        }
    }

    private void remove(SlotClaims.Claim claim) {
        try (claim) {
            ahead.delete(claim.slot());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot remove " + claim.slot().namespace()
                    + "; the next start of Thaw removes it: " + e.getMessage());
        }
    }

    public int ready() {
        return ready.size();
    }

    public int size() {
        return size;
    }

    /** Changes how many namespaces wait ready; extra ones are removed as they are next seen. */
    public void resize(int newSize) {
        if (newSize < 0) {
            throw new IllegalArgumentException("network pool size must be at least 0, was " + newSize);
        }
        size = newSize;
        SlotClaims.Claim extra;
        while (ready.size() > size && (extra = ready.pollLast()) != null) {
            remove(extra);
        }
        fill();
    }

    /**
     * Removes every namespace the pool made. Lent ones too: by the time a server or the
     * shutdown hook closes the pool, their sandboxes' VMs have stopped.
     */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        background.close(); // waits for namespaces being made or reset; they are removed
        SlotClaims.Claim claim;
        while ((claim = ready.poll()) != null) {
            remove(claim);
        }
        for (SlotClaims.Claim held : List.copyOf(lent)) {
            if (lent.remove(held)) {
                remove(held);
            }
        }
    }
}
