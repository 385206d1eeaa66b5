package dev.thaw.server;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Admission by live VMs: a request holds a slot while its sandbox runs. Beyond the bound it
 * waits up to the queue timeout and is then told to come back (503, Retry-After), so load
 * turns into latency and refusals, never into an out-of-memory host.
 */
final class VmSlots {

    private final Semaphore slots;
    private final int capacity;
    private final Duration queueTimeout;

    VmSlots(int capacity, Duration queueTimeout) {
        this.slots = new Semaphore(capacity, true);
        this.capacity = capacity;
        this.queueTimeout = queueTimeout;
    }

    /** A held slot; closing gives it back. */
    interface Slot extends AutoCloseable {
        @Override
        void close();
    }

    Slot acquire() {
        try {
            if (!slots.tryAcquire(queueTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new ApiException(503, "busy", "all " + capacity + " VM slots stayed busy for "
                        + queueTimeout.toMillis() + " ms; retry later (--max-vms bounds live VMs)");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(503, "shutting_down", "the server is stopping; retry elsewhere or later");
        }
        return slots::release;
    }

    int inUse() {
        return capacity - slots.availablePermits();
    }

    int waiting() {
        return slots.getQueueLength();
    }

    int capacity() {
        return capacity;
    }

    /** Seconds a refused client should wait: one queue timeout, at least one second. */
    long retryAfterSeconds() {
        return Math.max(1, queueTimeout.toSeconds());
    }
}
