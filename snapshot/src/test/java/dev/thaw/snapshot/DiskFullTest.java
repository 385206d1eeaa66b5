package dev.thaw.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the store on a 1 MiB tmpfs, which needs root; skipped elsewhere. */
class DiskFullTest {

    @TempDir
    Path mountPoint;

    private boolean mounted;

    @BeforeEach
    void mountTinyTmpfs() throws Exception {
        assumeTrue(ProcessHandle.current().info().user().orElse("").equals("root"), "mounting a tmpfs needs root");
        mounted = run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mountPoint.toString()) == 0;
        assumeTrue(mounted, "cannot mount a tmpfs here");
    }

    @AfterEach
    void unmount() throws Exception {
        if (mounted) {
            assertThat(run("umount", mountPoint.toString())).isZero();
        }
    }

    @Test
    void begin_refuses_a_snapshot_larger_than_the_free_space_naming_both_and_the_path() {
        var store = new LocalSnapshotStore(mountPoint, new SnapshotFixtures.TestClock());

        assertThatThrownBy(() -> store.begin("python", 4L << 20, false))
                .isInstanceOfSatisfying(SnapshotException.class,
                        e -> assertThat(e.code()).isEqualTo(SnapshotException.Code.DISK_FULL))
                .hasMessageContaining("needs up to 4.0 MiB")
                .hasMessageMatching("(?s).*only 1\\.0 MiB \\(\\d+ bytes\\) are free.*")
                .hasMessageContaining(mountPoint.toString());
    }

    @Test
    void a_disk_that_fills_up_during_commit_is_reported_as_full_and_the_staging_dir_removed() throws Exception {
        var store = new LocalSnapshotStore(mountPoint, new SnapshotFixtures.TestClock());
        try (PendingSnapshot pending = store.begin("python", 0, false)) {
            Files.write(pending.files().vmstate(), new byte[1000]);
            Files.write(pending.files().disk(), new byte[1000]);
            fill(pending.files().memory());

            assertThatThrownBy(() -> pending.commit(SnapshotFixtures.draft("python")))
                    .isInstanceOfSatisfying(SnapshotException.class,
                            e -> assertThat(e.code()).isEqualTo(SnapshotException.Code.DISK_FULL))
                    .hasMessageContaining("snapshot 'python'").hasMessageContaining("is full");
            assertThat(LocalSnapshotStoreTest.entries(mountPoint)).isEmpty();
        }
    }

    @Test
    void no_space_errors_are_recognised_in_the_cause_chain() {
        IOException full = new FileSystemException("/x", null, "No space left on device");

        assertThat(StoreFailures.diskFull(new IOException("wrapped", full))).isTrue();
        assertThat(StoreFailures.diskFull(new IOException("Permission denied"))).isFalse();
    }

    /**
     * Writes data until the file system refuses, as a guest filling all its memory would;
     * not zeros, which a sparse store would free at commit.
     */
    private static void fill(Path file) {
        try (OutputStream out = Files.newOutputStream(file)) {
            byte[] chunk = new byte[64 << 10];
            java.util.Arrays.fill(chunk, (byte) 1);
            while (true) {
                out.write(chunk);
            }
        } catch (IOException expected) {
            assertThat(StoreFailures.diskFull(expected)).as(expected.toString()).isTrue();
        }
    }

    private static int run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().transferTo(OutputStream.nullOutputStream());
        return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
    }
}
