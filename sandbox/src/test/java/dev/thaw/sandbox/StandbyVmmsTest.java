package dev.thaw.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.thaw.vmm.DiskChain;
import dev.thaw.vmm.PendingRestore;
import dev.thaw.vmm.Vm;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which standby a restore gets, and which are closed: the logic, with stand-in VMM processes. */
class StandbyVmmsTest {

    @TempDir
    Path dir;

    private final AtomicInteger starts = new AtomicInteger();

    @Test
    void a_restore_gets_the_standby_refilled_for_its_very_files() {
        try (StandbyVmms standbys = new StandbyVmms(2)) {
            StandbyKey key = key("python", 1);
            Stub stub = new Stub();
            standbys.refill(key, () -> stub.started(dir));

            assertThat(standbys.take(key)).hasValueSatisfying(s -> assertThat(s.restore()).isSameAs(stub));
            assertThat(standbys.take(key)).isEmpty();
            assertThat(stub.closed).isFalse();
        }
    }

    @Test
    void a_second_refill_for_the_same_snapshot_starts_nothing() {
        try (StandbyVmms standbys = new StandbyVmms(2)) {
            standbys.refill(key("python", 1), () -> new Stub().started(dir));
            standbys.refill(key("python", 1), () -> new Stub().started(dir));

            assertThat(standbys.take(key("python", 1))).isPresent();
            assertThat(starts).hasValue(1);
        }
    }

    @Test
    void a_standby_for_other_versions_of_the_files_is_closed_not_given() {
        try (StandbyVmms standbys = new StandbyVmms(2)) {
            Stub stale = new Stub();
            standbys.refill(key("python", 1), () -> stale.started(dir));
            assertThat(eventually(() -> stale.up)).isTrue();

            assertThat(standbys.take(key("python", 2))).isEmpty();
            assertThat(eventually(() -> stale.closed)).isTrue();
            assertThat(standbys.size()).isZero();
        }
    }

    @Test
    void beyond_the_capacity_the_standby_refilled_longest_ago_is_closed() {
        try (StandbyVmms standbys = new StandbyVmms(2)) {
            Stub oldest = new Stub();
            standbys.refill(key("python", 1), () -> oldest.started(dir));
            assertThat(eventually(() -> oldest.up)).isTrue();
            standbys.refill(key("ruby", 1), () -> new Stub().started(dir));
            standbys.refill(key("lua", 1), () -> new Stub().started(dir));

            assertThat(eventually(() -> oldest.closed)).isTrue();
            assertThat(standbys.size()).isEqualTo(2);
            assertThat(standbys.take(key("python", 1))).isEmpty();
            assertThat(standbys.take(key("lua", 1))).isPresent();
        }
    }

    @Test
    void a_standby_discarded_while_it_starts_is_closed_once_it_is_up() throws InterruptedException {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Stub slow = new Stub();
        try (StandbyVmms standbys = new StandbyVmms(1)) {
            standbys.refill(key("python", 1), () -> {
                entered.countDown();
                awaitQuietly(release);
                return slow.started(dir);
            });
            entered.await();
            standbys.refill(key("ruby", 1), () -> new Stub().started(dir)); // evicts the slow one

            release.countDown();
            assertThat(eventually(() -> slow.closed)).isTrue();
            assertThat(standbys.take(key("ruby", 1))).isPresent();
        }
    }

    @Test
    void with_no_capacity_nothing_is_ever_started() {
        try (StandbyVmms standbys = new StandbyVmms(0)) {
            standbys.refill(key("python", 1), () -> new Stub().started(dir));

            assertThat(standbys.take(key("python", 1))).isEmpty();
            assertThat(starts).hasValue(0);
        }
    }

    @Test
    void a_standby_that_failed_to_start_is_no_standby() {
        try (StandbyVmms standbys = new StandbyVmms(2)) {
            standbys.refill(key("python", 1), () -> {
                throw new IllegalStateException("QEMU did not come up");
            });

            assertThat(standbys.take(key("python", 1))).isEmpty();
        }
    }

    @Test
    void closing_stops_every_standby_and_refills_after_it_start_none() {
        Stub stub = new Stub();
        StandbyVmms standbys = new StandbyVmms(2);
        standbys.refill(key("python", 1), () -> stub.started(dir));
        assertThat(eventually(() -> stub.up)).isTrue();

        standbys.close();
        standbys.refill(key("ruby", 1), () -> new Stub().started(dir));

        assertThat(eventually(() -> stub.closed)).isTrue();
        assertThat(standbys.size()).isZero();
        assertThat(starts).hasValue(1);
    }

    /** Closing happens on a thread of its own: waits up to 5 s for {@code condition}. */
    private static boolean eventually(BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
        }
        return condition.getAsBoolean();
    }

    private StandbyKey key(String snapshot, int version) {
        Path vmstate = dir.resolve(snapshot).resolve("vmstate");
        return new StandbyKey(vmstate, List.of(vmstate), List.of(List.of("inode-" + version)));
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A VMM process that only remembers being started and closed. */
    private final class Stub implements PendingRestore {
        volatile boolean up;
        volatile boolean closed;

        StartedVmm started(Path runDir) {
            starts.incrementAndGet();
            up = true;
            return new StartedVmm(new RunDirectories.RunDir(runDir.resolve("run-" + starts.get())),
                    new DiskChain(runDir.resolve("top.qcow2"), List.of(), runDir.resolve("base"), List.of()), this);
        }

        @Override
        public Vm load() {
            throw new UnsupportedOperationException();
        }

        @Override
        public void close() {
            closed = true;
        }
    }
}
