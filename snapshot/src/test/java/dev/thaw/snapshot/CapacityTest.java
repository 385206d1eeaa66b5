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

    @Test
    void the_least_recently_used_snapshot_is_evicted_first() throws IOException {
        LocalSnapshotStore store = storeFor(3);
        at("01:00");
        SnapshotFixtures.create(store, "a", 1);
        at("02:00");
        SnapshotFixtures.create(store, "b", 2);
        at("03:00");
        SnapshotFixtures.create(store, "c", 3);
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
        try (PendingSnapshot pending = store.begin("d", 0, false)) {
            SnapshotFixtures.writeVmFiles(pending.files(), 2);
            Files.write(pending.files().memoryPages(), new byte[128]);
            Manifest m = SnapshotFixtures.draft("python");
            pending.commit(new Manifest(m.formatVersion(), "d", m.language(), m.vmm(), m.vmmVersion(), m.accelerator(),
                    m.cpuModel(), m.memoryMiB(), m.vcpus(), m.kernelDigest(), m.initrdDigest(), m.rootfsDigest(),
                    m.agentVersion(), m.cmdline(), null, "a", "0".repeat(64), Map.of()));
        }

        assertThat(store.pinned()).containsExactly("a");
    }

    @Test
    void a_snapshot_larger_than_the_whole_capacity_evicts_nothing_and_fails() throws IOException {
        LocalSnapshotStore store = storeFor(2);
        SnapshotFixtures.create(store, "a", 1);

        assertThatThrownBy(() -> store.begin("huge", 1L << 40, false)).isInstanceOf(SnapshotException.class);
        assertThat(store.find("a")).isPresent();
    }
}
