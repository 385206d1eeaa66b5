package dev.thaw.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunDirectoriesTest {

    @TempDir
    Path root;

    @Test
    void leftovers_of_dead_processes_are_removed_and_live_ones_kept() throws IOException {
        long deadPid = deadPid();
        Path dead = Files.createDirectories(root.resolve("vm-" + deadPid + "-1"));
        Files.writeString(dead.resolve("disk.qcow2"), "x");
        Path live = Files.createDirectories(root.resolve("vm-" + ProcessHandle.current().pid() + "-7"));
        Path foreign = Files.createDirectories(root.resolve("notes"));

        int removed = new RunDirectories(root).removeLeftovers();

        assertThat(removed).isEqualTo(1);
        assertThat(dead).doesNotExist();
        assertThat(live).exists();
        assertThat(foreign).exists();
    }

    @Test
    void closing_a_run_directory_deletes_it_with_its_contents() throws IOException {
        RunDirectories.RunDir dir = new RunDirectories(root).create("vm-1-1");
        Files.writeString(dir.path().resolve("serial.log"), "boot");

        dir.close();

        assertThat(dir.path()).doesNotExist();
    }

    private static long deadPid() throws IOException {
        try {
            Process p = new ProcessBuilder("true").start();
            p.waitFor();
            return p.pid();
        } catch (InterruptedException e) {
            throw new IOException(e);
        }
    }
}
