package dev.thaw.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.thaw.snapshot.LocalSnapshotStore;
import dev.thaw.snapshot.Manifest;
import dev.thaw.snapshot.PendingSnapshot;
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

/** {@code thaw snapshot verify} in process, over a store holding a snapshot made by hand. */
class SnapshotVerifyCommandTest {

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

    private Path makeSnapshot(String id) throws Exception {
        LocalSnapshotStore store = new LocalSnapshotStore(home.resolve("snapshots"), InstantSource.system());
        try (PendingSnapshot pending = store.begin(id, 0, false)) {
            Files.write(pending.files().memory(), new byte[1 << 16]);
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
