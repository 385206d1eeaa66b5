package dev.thaw.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreLockTest {

    @TempDir
    Path root;

    @Test
    void a_pin_waits_while_an_eviction_holds_the_store_lock_and_is_taken_after() throws Exception {
        var store = new LocalSnapshotStore(root, new SnapshotFixtures.TestClock());
        SnapshotFixtures.create(store, "a", 1);
        StoreLock evictorsLock = new StoreLock(store.root());

        CompletableFuture<SnapshotPin> pin = evictorsLock.holding(() -> {
            CompletableFuture<SnapshotPin> taking = CompletableFuture.supplyAsync(() -> store.pin("a"));
            java.util.concurrent.locks.LockSupport.parkNanos(300_000_000L);
            assertThat(taking).as("pin taken while the lock was held").isNotDone();
            assertThat(store.pinned()).isEmpty();
            return taking;
        });

        try (SnapshotPin taken = pin.get(10, TimeUnit.SECONDS)) {
            assertThat(store.pinned()).containsExactly("a");
        }
    }

    @Test
    void a_thread_holding_the_lock_may_take_it_again() throws Exception {
        StoreLock lock = new StoreLock(root);

        assertThat(lock.holding(() -> lock.holding(() -> "inner"))).isEqualTo("inner");
    }
}
