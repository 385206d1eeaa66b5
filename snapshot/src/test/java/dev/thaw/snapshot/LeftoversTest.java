package dev.thaw.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LeftoversTest {

    @TempDir
    Path root;

    @Test
    void staging_and_trash_of_a_dead_process_are_removed_when_the_store_is_first_used() throws Exception {
        long dead = deadPid();
        Path staging = leftover(".staging-python-" + dead + "-1");
        Path trash = leftover(".trash-my-id-" + dead + "-7");

        LocalSnapshotStore store = new LocalSnapshotStore(root, new SnapshotFixtures.TestClock());
        assertThat(staging).exists(); // constructing touches nothing
        store.list();

        assertThat(staging).doesNotExist();
        assertThat(trash).doesNotExist();
    }

    @Test
    void staging_of_a_live_process_is_kept() throws Exception {
        Process other = new ProcessBuilder("sleep", "60").start();
        try {
            Path theirs = leftover(".staging-python-" + other.pid() + "-1");
            Path ours = leftover(".staging-ruby-" + ProcessHandle.current().pid() + "-99");

            new LocalSnapshotStore(root, new SnapshotFixtures.TestClock()).begin("node", 0, false).close();

            assertThat(theirs).exists();
            assertThat(ours).exists();
        } finally {
            other.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void snapshots_and_unrelated_entries_are_kept() throws Exception {
        long dead = deadPid();
        Path snapshotLike = leftover("python-" + dead + "-1");
        Path oddName = leftover(".staging-without-numbers");

        new LocalSnapshotStore(root, new SnapshotFixtures.TestClock()).removeLeftovers();

        assertThat(snapshotLike).exists();
        assertThat(oddName).exists();
    }

    @Test
    void temp_files_a_dead_process_left_in_a_snapshot_are_removed_and_a_live_ones_kept() throws Exception {
        long dead = deadPid();
        Path snapshot = leftover("python");
        Path unpacking = Files.createFile(snapshot.resolve(".unpacking-" + dead + "-3.tmp"));
        Path assembling = Files.createFile(snapshot.resolve(".assembling-" + dead + "-4.tmp"));
        Path live = Files.createFile(snapshot.resolve(".verified-" + ProcessHandle.current().pid() + "-5.tmp"));

        new LocalSnapshotStore(root, new SnapshotFixtures.TestClock()).list();

        assertThat(unpacking).doesNotExist();
        assertThat(assembling).doesNotExist();
        assertThat(live).exists();
        assertThat(snapshot.resolve("memory")).exists();
    }

    @Test
    void temp_files_are_named_for_their_process_as_the_sweep_expects() throws Exception {
        Path snapshot = leftover("python");

        Path temp = StagingDirs.tempFile(snapshot, "unpacking");

        assertThat(temp.getFileName().toString())
                .startsWith(".unpacking-" + ProcessHandle.current().pid() + "-").endsWith(".tmp");
    }

    private Path leftover(String name) throws Exception {
        Path dir = Files.createDirectory(root.resolve(name));
        Files.write(dir.resolve("memory"), new byte[4096]);
        return dir;
    }

    private static long deadPid() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        return p.pid();
    }
}
