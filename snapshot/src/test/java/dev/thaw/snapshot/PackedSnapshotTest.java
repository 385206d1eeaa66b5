package dev.thaw.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A sparse store keeps every full snapshot's memory packed, and the plain file only while it is used. */
class PackedSnapshotTest {

    @TempDir
    Path root;

    final SnapshotFixtures.TestClock clock = new SnapshotFixtures.TestClock();

    private LocalSnapshotStore store(long unpackedCapacity) {
        return new LocalSnapshotStore(root, clock, new StoreOptions(1L << 40, true, unpackedCapacity));
    }

    private void at(String time) {
        clock.set(Instant.parse("2026-01-01T" + time + ":00Z"));
    }

    @Test
    void a_restore_unpacks_memory_that_was_dropped_and_it_matches_the_manifest() throws IOException {
        LocalSnapshotStore store = store(1L << 40);
        Snapshot made = SnapshotFixtures.create(store, "a", 1);
        String sha256 = made.manifest().files().get(SnapshotFiles.MEMORY).sha256();
        assertThat(made.files().packedMemory()).isRegularFile();
        Files.delete(made.files().memory());

        RestoreImage image = store.restoreImage(store.open("a", SnapshotFixtures.host()));

        assertThat(image.memory()).isEqualTo(made.files().memory());
        assertThat(FileFacts.sha256(image.memory())).isEqualTo(sha256);
        assertThat(store.verify("a").ok()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void a_damaged_plain_memory_file_is_dropped_and_unpacked_again_from_the_pack(boolean truncated)
            throws IOException {
        LocalSnapshotStore store = store(1L << 40);
        Snapshot made = SnapshotFixtures.create(store, "a", 1);
        String sha256 = made.manifest().files().get(SnapshotFiles.MEMORY).sha256();
        store.open("a", SnapshotFixtures.host()); // the plain file is now trusted while unchanged
        try (FileChannel memory = FileChannel.open(made.files().memory(), StandardOpenOption.WRITE)) {
            if (truncated) {
                memory.truncate(4096);
            } else {
                memory.write(ByteBuffer.wrap(new byte[] {42}), 8192); // as a VMM given the file as its own RAM would
            }
        }

        RestoreImage image = store.restoreImage(store.open("a", SnapshotFixtures.host()));

        assertThat(FileFacts.sha256(image.memory())).isEqualTo(sha256);
        assertThat(store.verify("a").ok()).isTrue();
    }

    @Test
    void plain_memory_beyond_the_unpacked_capacity_goes_least_recently_used_first() throws IOException {
        LocalSnapshotStore probe = new LocalSnapshotStore(root.resolve("probe"), clock, new StoreOptions(1L << 40, true));
        long memory = MemoryFiles.allocatedBytes(SnapshotFixtures.create(probe, "p", 1).files().memory());
        LocalSnapshotStore store = store(2 * memory + memory / 2);
        at("01:00");
        Snapshot a = SnapshotFixtures.create(store, "a", 1);
        at("02:00");
        Snapshot b = SnapshotFixtures.create(store, "b", 2);
        at("03:00");
        store.open("a", SnapshotFixtures.host()); // a is now more recently used than b

        at("04:00");
        Snapshot c = SnapshotFixtures.create(store, "c", 3);

        assertThat(b.files().memory()).doesNotExist();
        assertThat(b.files().packedMemory()).isRegularFile();
        assertThat(a.files().memory()).isRegularFile();
        assertThat(c.files().memory()).isRegularFile();
        assertThat(store.list()).extracting(s -> s.manifest().id()).containsExactly("a", "b", "c");
    }

    @Test
    void a_damaged_pack_fails_the_restore_as_corrupt_and_leaves_no_memory_file() throws IOException {
        LocalSnapshotStore store = store(1L << 40);
        Snapshot made = SnapshotFixtures.create(store, "a", 1);
        Files.delete(made.files().memory());
        SnapshotFixtures.flipByte(made.files().packedMemory(), Files.size(made.files().packedMemory()) - 50);
        Snapshot opened = store.open("a", SnapshotFixtures.host());

        assertThatThrownBy(() -> store.restoreImage(opened))
                .isInstanceOf(SnapshotException.class)
                .hasMessageContaining("damaged")
                .hasMessageContaining("packed memory");
        assertThat(made.files().memory()).doesNotExist();
        try (var files = Files.list(made.files().dir())) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".unpacking"));
        }
        assertThat(store.verify("a").ok()).isFalse();
    }

    @Test
    void a_store_without_sparse_files_packs_nothing() throws IOException {
        var dense = new LocalSnapshotStore(root, clock, new StoreOptions(1L << 40, false));

        Snapshot made = SnapshotFixtures.create(dense, "a", 1);

        assertThat(made.files().packedMemory()).doesNotExist();
    }
}
