package dev.thaw.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A store with a capacity: least recently used snapshots go first, pinned ones never. */
class CapacityTest {

    @TempDir
    Path root;

    final SnapshotFixtures.TestClock clock = new SnapshotFixtures.TestClock();

    /** A store that holds {@code count} fixture snapshots and a bit, but not one more. */
    private LocalSnapshotStore storeFor(int count) throws IOException {
        var probe = new LocalSnapshotStore(root.resolve("probe"), clock, new StoreOptions(1L << 40, true));
        long size = SnapshotFixtures.create(probe, "probe", 1).allocatedBytes();
        return new LocalSnapshotStore(root.resolve("store"), clock, new StoreOptions(count * size + size / 2, true));
    }

    private void at(String time) {
        clock.set(Instant.parse("2026-01-01T" + time + ":00Z"));
    }

    /** Creates the snapshots an hour apart from 01:00 on, the first the least recently used; returns its size. */
    private long createHourly(LocalSnapshotStore store, String... ids) throws IOException {
        long size = 0;
        for (int i = 0; i < ids.length; i++) {
            at(String.format("%02d:00", i + 1));
            long bytes = SnapshotFixtures.create(store, ids[i], i + 1).allocatedBytes();
            size = i == 0 ? bytes : size;
        }
        return size;
    }

    @Test
    void the_least_recently_used_snapshot_is_evicted_first() throws IOException {
        LocalSnapshotStore store = storeFor(3);
        createHourly(store, "a", "b", "c");
        at("04:00");
        store.open("a", SnapshotFixtures.host()); // a is now the most recently used

        at("05:00");
        SnapshotFixtures.create(store, "d", 4);

        assertThat(store.list()).extracting(s -> s.manifest().id()).containsExactly("a", "c", "d");
    }

    @Test
    void pinned_snapshots_stay_and_a_store_full_of_them_refuses_with_the_numbers() throws IOException {
        LocalSnapshotStore store = storeFor(2);
        SnapshotFixtures.create(store, "a", 1);
        SnapshotFixtures.create(store, "b", 2);

        try (SnapshotPin pinA = store.pin("a"); SnapshotPin pinB = store.pin("b")) {
            assertThatThrownBy(() -> store.begin("c", 1 << 20, false))
                    .isInstanceOf(SnapshotException.class)
                    .satisfies(e -> assertThat(((SnapshotException) e).code()).isEqualTo(SnapshotException.Code.STORE_FULL))
                    .hasMessageContaining("needs up to 1.0 MiB").hasMessageContaining("pinned")
                    .hasMessageContaining("--store-capacity");
            assertThat(store.pinned()).containsExactly("a", "b");
        }
        assertThat(store.list()).hasSize(2);
        assertThat(store.pinned()).isEmpty();
    }

    @Test
    void a_pin_left_by_a_dead_process_does_not_count_and_is_removed() throws Exception {
        LocalSnapshotStore store = storeFor(2);
        SnapshotFixtures.create(store, "a", 1);
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Path stale = root.resolve("store/.pins/a/" + gone.pid() + "-1");
        Files.createDirectories(stale.getParent());
        Files.createFile(stale);

        assertThat(store.pinned()).isEmpty();
        assertThat(stale).doesNotExist();
    }

    @Test
    void the_parent_of_a_diff_is_pinned() throws IOException {
        LocalSnapshotStore store = storeFor(3);
        SnapshotFixtures.create(store, "a", 1);
        createDiff(store, "d", "a");

        assertThat(store.pinned()).containsExactly("a");
    }

    @Test
    void a_pinned_snapshot_is_passed_over_for_the_next_least_recently_used() throws IOException {
        LocalSnapshotStore store = storeFor(3);
        createHourly(store, "a", "b", "c");

        try (SnapshotPin pin = store.pin("a")) {
            at("04:00");
            SnapshotFixtures.create(store, "d", 4);
        }

        assertThat(ids(store)).containsExactly("a", "c", "d");
    }

    @Test
    void a_pin_held_by_another_live_process_counts() throws Exception {
        LocalSnapshotStore store = storeFor(2);
        SnapshotFixtures.create(store, "a", 1);
        Process holder = new ProcessBuilder("sleep", "60").start();
        try {
            Path pin = root.resolve("store/.pins/a/" + holder.pid() + "-1");
            Files.createDirectories(pin.getParent());
            Files.createFile(pin);

            assertThat(store.pinned()).containsExactly("a");
        } finally {
            holder.destroyForcibly().waitFor();
        }
        assertThat(store.pinned()).isEmpty();
    }

    @Test
    void evicting_a_diff_unpins_its_parent_which_can_then_go_too() throws IOException {
        LocalSnapshotStore store = storeFor(3);
        long size = createHourly(store, "a");
        at("05:00");
        createDiff(store, "d", "a");
        at("06:00");
        SnapshotFixtures.create(store, "c", 3);

        store.begin("e", 2 * size, false).close(); // room for two: d first (a is its parent), then a

        assertThat(ids(store)).containsExactly("c");
    }

    @Test
    void commit_evicts_when_the_real_size_exceeds_the_estimate_at_begin() throws IOException {
        LocalSnapshotStore store = storeFor(2);
        createHourly(store, "a", "b");

        at("03:00");
        try (PendingSnapshot pending = store.begin("c", 0, false)) { // an estimate of nothing fits
            SnapshotFixtures.writeVmFiles(pending.files(), 3);
            pending.commit(SnapshotFixtures.draft("python"));
        }

        assertThat(ids(store)).containsExactly("b", "c");
        assertThat(Eviction.bytes(store.list())).isLessThanOrEqualTo(store.options().capacityBytes());
    }

    @Test
    void a_replace_evicts_others_but_never_the_snapshot_it_replaces() throws IOException {
        LocalSnapshotStore store = storeFor(2);
        long size = createHourly(store, "a", "b");

        at("03:00");
        try (PendingSnapshot pending = store.begin("a", size, true)) {
            SnapshotFixtures.writeVmFiles(pending.files(), 9);
            pending.commit(SnapshotFixtures.draft("python"));
        }

        assertThat(ids(store)).containsExactly("a");
        assertThat(store.verify("a").ok()).isTrue();
    }

    @Test
    void the_store_full_message_says_what_is_needed_the_capacity_what_is_used_and_pinned() throws IOException {
        LocalSnapshotStore store = storeFor(1);
        Snapshot a = SnapshotFixtures.create(store, "a", 1);

        try (SnapshotPin pin = store.pin("a")) {
            assertThatThrownBy(() -> store.begin("b", a.allocatedBytes(), false))
                    .hasMessageContaining("snapshot 'b' needs up to")
                    .hasMessageContaining("(" + a.allocatedBytes() + " bytes)")
                    .hasMessageContaining("capacity is " + mib(store.options().capacityBytes()))
                    .hasMessageContaining(mib(a.allocatedBytes()) + " are used and " + mib(a.allocatedBytes()) + " pinned")
                    .hasMessageContaining("Raise --store-capacity, stop sandboxes, or remove snapshots");
        }
        assertThat(ids(store)).containsExactly("a");
    }

    private static String mib(long bytes) {
        return String.format("%.1f MiB (%d bytes)", bytes / 1048576.0, bytes);
    }

    private static java.util.List<String> ids(LocalSnapshotStore store) {
        return store.list().stream().map(s -> s.manifest().id()).toList();
    }

    /** A diff as the store sees it: the files of a full snapshot, a page map and a parent. */
    private static void createDiff(LocalSnapshotStore store, String id, String parent) throws IOException {
        try (PendingSnapshot pending = store.begin(id, 0, false)) {
            SnapshotFixtures.writeVmFiles(pending.files(), id.hashCode());
            Files.write(pending.files().memoryPages(), new byte[128]);
            Manifest m = SnapshotFixtures.draft("python");
            pending.commit(new Manifest(m.formatVersion(), id, m.language(), m.vmm(), m.vmmVersion(), m.accelerator(),
                    m.cpuModel(), m.memoryMiB(), m.vcpus(), m.kernelDigest(), m.initrdDigest(), m.rootfsDigest(),
                    m.agentVersion(), m.cmdline(), null, parent, "0".repeat(64), Map.of(), null));
        }
    }

    @Test
    void a_snapshot_larger_than_the_whole_capacity_evicts_nothing_and_fails() throws IOException {
        LocalSnapshotStore store = storeFor(2);
        SnapshotFixtures.create(store, "a", 1);

        assertThatThrownBy(() -> store.begin("huge", 1L << 40, false)).isInstanceOf(SnapshotException.class);
        assertThat(store.find("a")).isPresent();
    }
}
