package dev.thaw.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.thaw.snapshot.LocalSnapshotStore;
import dev.thaw.snapshot.Manifest;
import dev.thaw.snapshot.PendingSnapshot;
import dev.thaw.snapshot.SnapshotPin;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code thaw snapshot verify} and {@code list} in process, over a store holding snapshots made by hand. */
class SnapshotCommandTest {

    private static final long MEMORY_BYTES = 16L << 20;

    @TempDir
    Path home;

    @Test
    void verify_passes_for_an_intact_snapshot_and_names_the_damaged_file_otherwise() throws Exception {
        Path memory = makeSnapshot("demo");

        Result intact = thaw("--home", home.toString(), "snapshot", "verify");
        flipByte(memory, 1234);
        Result damaged = thaw("--home", home.toString(), "snapshot", "verify", "demo");

        assertThat(intact.exit()).isZero();
        assertThat(intact.stdout()).contains("snapshot demo: all files match");
        assertThat(damaged.exit()).isEqualTo(1);
        assertThat(damaged.stdout()).contains("memory").contains("DAMAGED");
    }

    @Test
    void verifying_a_snapshot_that_does_not_exist_is_a_user_error() {
        Result result = thaw("--home", home.toString(), "snapshot", "verify", "ghost");

        assertThat(result.exit()).isEqualTo(ErrorReporter.USER_ERROR);
        assertThat(result.stderr()).contains("ghost");
    }

    @Test
    void list_json_shows_sizes_on_disk_and_apparent_last_use_and_pins() throws Exception {
        makeSnapshot("demo");
        makeSnapshot("other");

        JsonNode listed;
        try (SnapshotPin pin = store().pin("demo")) {
            listed = new ObjectMapper().readTree(thaw("--home", home.toString(), "snapshot", "list", "--json").stdout());
        }

        assertThat(listed).extracting(n -> n.get("id").asText()).containsExactly("demo", "other");
        JsonNode demo = listed.get(0);
        assertThat(demo.get("pinned").asBoolean()).isTrue();
        assertThat(listed.get(1).get("pinned").asBoolean()).isFalse();
        assertThat(demo.get("apparent_bytes").asLong()).isGreaterThan(MEMORY_BYTES);
        assertThat(demo.get("allocated_bytes").asLong()).isLessThan(MEMORY_BYTES / 2);
        assertThat(demo.get("last_used").asText()).isEqualTo(demo.get("created_at").asText());
        assertThat(demo.get("parent").isNull()).isTrue();
    }

    private LocalSnapshotStore store() {
        return new LocalSnapshotStore(home.resolve("snapshots"), InstantSource.system());
    }

    /** A snapshot with a sparse memory file: {@link #MEMORY_BYTES} apparent, 64 KiB of data. */
    private Path makeSnapshot(String id) throws Exception {
        try (PendingSnapshot pending = store().begin(id, 0, false)) {
            try (RandomAccessFile memory = new RandomAccessFile(pending.files().memory().toFile(), "rw")) {
                memory.setLength(MEMORY_BYTES);
                byte[] data = new byte[1 << 16];
                java.util.Arrays.fill(data, (byte) 7);
                memory.write(data);
            }
            Files.writeString(pending.files().vmstate(), "device state");
            Files.writeString(pending.files().disk(), "disk");
            pending.commit(new Manifest(Manifest.FORMAT_VERSION, id, "sh", "qemu", "7.2.22", "tcg", "qemu64", 512, 1,
                    "k", "i", "r", "a", "console=ttyS0", Instant.now(), null, Map.of()));
        }
        return home.resolve("snapshots").resolve(id).resolve("memory");
    }

    private static void flipByte(Path file, long offset) throws Exception {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(offset);
            int b = raf.read();
            raf.seek(offset);
            raf.write(b ^ 0xff);
        }
    }

    record Result(int exit, String stdout, String stderr) {}

    private static synchronized Result thaw(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
            int exit = Main.run(args);
            return new Result(exit, stdout.toString(StandardCharsets.UTF_8), stderr.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }
}
