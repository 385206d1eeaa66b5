package dev.thaw.snapshot;

import static dev.thaw.snapshot.SnapshotFixtures.create;
import static dev.thaw.snapshot.SnapshotFixtures.draft;
import static dev.thaw.snapshot.SnapshotFixtures.host;
import static dev.thaw.snapshot.SnapshotFixtures.writeVmFiles;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LocalSnapshotStoreTest {

    @TempDir
    Path root;

    private final SnapshotFixtures.TestClock clock = new SnapshotFixtures.TestClock();
    private LocalSnapshotStore store;

    @BeforeEach
    void setUp() {
        store = new LocalSnapshotStore(root, clock);
    }

    @Test
    void commit_publishes_a_directory_whose_manifest_lists_every_file_with_size_and_sha256() throws Exception {
        Snapshot snapshot = create(store, "python", 1);

        Path dir = root.resolve("python");
        assertThat(snapshot.files().dir()).isEqualTo(dir);
        assertThat(entries(root)).containsExactly("python");
        JsonNode files = ManifestCodec.JSON.readTree(dir.resolve("manifest.json").toFile()).get("files");
        for (String name : List.of("memory", "vmstate", "disk.qcow2")) {
            byte[] content = Files.readAllBytes(dir.resolve(name));
            assertThat(files.get(name).get("size").asLong()).as(name).isEqualTo(content.length);
            assertThat(files.get(name).get("sha256").asText()).as(name).isEqualTo(sha256(content));
        }
        assertThat(snapshot.manifest().files()).containsOnlyKeys("memory", "vmstate", "disk.qcow2");
        assertThat(dir.resolve("memory.packed")).isRegularFile(); // derived from memory, so not listed
    }

    @Test
    void manifest_is_snake_case_json_with_an_iso_time_and_a_trailing_newline() throws Exception {
        create(store, "python", 1);

        String json = Files.readString(root.resolve("python/manifest.json"));
        assertThat(json).endsWith("}\n").contains("\"format_version\" : " + Manifest.FORMAT_VERSION, "\"vmm_version\" : \"7.2.0\"",
                "\"created_at\" : \"2026-01-02T03:04:05.123456789Z\"", "\"id\" : \"python\"");
    }

    @Test
    void nothing_is_visible_before_commit_and_close_without_commit_leaves_nothing() throws Exception {
        try (PendingSnapshot pending = store.begin("python", 0, false)) {
            writeVmFiles(pending.files(), 1);
            assertThat(pending.files().dir().getFileName().toString()).startsWith(".staging-python-");
            assertThat(store.find("python")).isEmpty();
            assertThat(store.list()).isEmpty();
        }
        assertThat(entries(root)).isEmpty();
    }

    @Test
    void commit_fails_naming_a_file_the_vm_did_not_write_and_leaves_nothing() throws Exception {
        try (PendingSnapshot pending = store.begin("python", 0, false)) {
            writeVmFiles(pending.files(), 1);
            Files.delete(pending.files().vmstate());

            assertThatThrownBy(() -> pending.commit(draft("python")))
                    .isInstanceOfSatisfying(SnapshotException.class,
                            e -> assertThat(e.code()).isEqualTo(SnapshotException.Code.MISSING_FILE))
                    .hasMessageContaining("vmstate");
            assertThat(entries(root)).isEmpty();
        }
    }

    @Test
    void a_second_commit_is_refused() throws Exception {
        try (PendingSnapshot pending = store.begin("python", 0, false)) {
            writeVmFiles(pending.files(), 1);
            pending.commit(draft("python"));

            assertThatThrownBy(() -> pending.commit(draft("python"))).isInstanceOf(IllegalStateException.class);
        }
        assertThat(store.find("python")).isPresent();
    }

    @Test
    void begin_fails_when_the_id_exists_unless_replacing() throws Exception {
        create(store, "python", 1);

        assertThatThrownBy(() -> store.begin("python", 0, false))
                .isInstanceOfSatisfying(SnapshotException.class,
                        e -> assertThat(e.code()).isEqualTo(SnapshotException.Code.EXISTS))
                .hasMessageContaining("'python' exists").hasMessageContaining("--replace");
    }

    @Test
    void commit_fails_when_another_process_published_the_id_meanwhile() throws Exception {
        try (PendingSnapshot late = store.begin("python", 0, false)) {
            writeVmFiles(late.files(), 2);
            Snapshot first = create(store, "python", 1);

            assertThatThrownBy(() -> late.commit(draft("python")))
                    .isInstanceOfSatisfying(SnapshotException.class,
                            e -> assertThat(e.code()).isEqualTo(SnapshotException.Code.EXISTS));
            assertThat(store.find("python").orElseThrow().manifest()).isEqualTo(first.manifest());
        }
        assertThat(entries(root)).containsExactly("python");
    }

    @Test
    void replace_publishes_the_new_snapshot_and_removes_the_old_one() throws Exception {
        Snapshot old = create(store, "python", 1);
        Snapshot replaced;
        try (PendingSnapshot pending = store.begin("python", 0, true)) {
            writeVmFiles(pending.files(), 2);
            replaced = pending.commit(draft("python"));
        }

        assertThat(replaced.manifest().files()).isNotEqualTo(old.manifest().files());
        assertThat(store.find("python").orElseThrow().manifest()).isEqualTo(replaced.manifest());
        assertThat(entries(root)).containsExactly("python");
        assertThat(store.verify("python").ok()).isTrue();
    }

    @Test
    void a_failed_replace_keeps_the_old_snapshot() throws Exception {
        Snapshot old = create(store, "python", 1);
        try (PendingSnapshot pending = store.begin("python", 0, true)) {
            writeVmFiles(pending.files(), 2);
            Files.delete(pending.files().disk());
            assertThatThrownBy(() -> pending.commit(draft("python"))).isInstanceOf(SnapshotException.class);
        }

        assertThat(store.find("python").orElseThrow().manifest()).isEqualTo(old.manifest());
        assertThat(entries(root)).containsExactly("python");
    }

    @Test
    void a_reader_always_finds_the_snapshot_while_it_is_replaced() throws Exception {
        create(store, "python", 0);
        var missing = new java.util.concurrent.atomic.AtomicInteger();
        var stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread reader = Thread.ofPlatform().start(() -> {
            while (!stop.get()) {
                if (store.find("python").isEmpty()) {
                    missing.incrementAndGet();
                }
            }
        });
        try {
            for (int i = 1; i <= 10; i++) {
                try (PendingSnapshot pending = store.begin("python", 0, true)) {
                    writeVmFiles(pending.files(), i);
                    pending.commit(draft("python"));
                }
            }
        } finally {
            stop.set(true);
            reader.join();
        }
        assertThat(missing.get()).isZero();
    }

    @Test
    void list_returns_snapshots_by_id_and_remove_deletes_one() throws Exception {
        create(store, "ruby", 1);
        create(store, "python", 2);
        create(store, "node", 3);

        store.remove("python");

        assertThat(store.list()).extracting(s -> s.manifest().id()).containsExactly("node", "ruby");
        assertThat(entries(root)).containsExactlyInAnyOrder("node", "ruby");
    }

    @Test
    void remove_and_open_of_an_unknown_snapshot_say_not_found() {
        assertThatThrownBy(() -> store.remove("nope"))
                .isInstanceOfSatisfying(SnapshotException.class,
                        e -> assertThat(e.code()).isEqualTo(SnapshotException.Code.NOT_FOUND))
                .hasMessageContaining("'nope'");
        assertThatThrownBy(() -> store.open("nope", host()))
                .isInstanceOfSatisfying(SnapshotException.class,
                        e -> assertThat(e.code()).isEqualTo(SnapshotException.Code.NOT_FOUND));
        assertThat(store.find("nope")).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "Python", "-python", ".python", "py/thon", "../etc", "py thon", "p\u00e9"})
    void bad_ids_are_rejected_with_the_rule(String id) {
        assertThatThrownBy(() -> store.begin(id, 0, false))
                .isInstanceOfSatisfying(SnapshotException.class,
                        e -> assertThat(e.code()).isEqualTo(SnapshotException.Code.INVALID_ID))
                .hasMessageContaining("not a valid snapshot id").hasMessageContaining("lowercase letters");
        assertThatThrownBy(() -> store.find(id)).isInstanceOf(SnapshotException.class);
        assertThatThrownBy(() -> store.remove(id)).isInstanceOf(SnapshotException.class);
    }

    @Test
    void an_id_of_64_characters_is_accepted_and_65_is_not() {
        store.begin("a".repeat(64), 0, false).close();
        assertThatThrownBy(() -> store.begin("a".repeat(65), 0, false)).isInstanceOf(SnapshotException.class);
    }

    @Test
    void open_records_the_last_use_from_the_clock() throws Exception {
        Snapshot created = create(store, "python", 1);
        assertThat(created.lastUsed()).isEqualTo(created.manifest().createdAt());

        clock.set(Instant.parse("2026-03-04T05:06:07Z"));
        Snapshot opened = store.open("python", host());

        assertThat(opened.lastUsed()).isEqualTo(Instant.parse("2026-03-04T05:06:07Z"));
        assertThat(store.find("python").orElseThrow().lastUsed()).isEqualTo(Instant.parse("2026-03-04T05:06:07Z"));
    }

    @Test
    void begin_fails_before_writing_when_the_disk_lacks_the_expected_space() throws Exception {
        long tooMuch = Long.MAX_VALUE / 2;

        assertThatThrownBy(() -> store.begin("python", tooMuch, false))
                .isInstanceOfSatisfying(SnapshotException.class,
                        e -> assertThat(e.code()).isEqualTo(SnapshotException.Code.DISK_FULL))
                .hasMessageContaining("needs up to").hasMessageContaining(tooMuch + " bytes")
                .hasMessageContaining("only").hasMessageContaining(root.toString());
        assertThat(entries(root)).isEmpty();
    }

    static List<String> entries(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    static String sha256(byte[] content) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    }
}
