package dev.thaw.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.thaw.snapshot.Snapshot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Diff snapshots of real restored guests: a chain of three, each adding a file, restored,
 * measured and squashed. The tests build on each other's snapshots, hence the order.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DiffSnapshotTest {

    private static final long MIB = 1 << 20;

    @TempDir
    static Path home;

    static ThawRuntime runtime;

    @BeforeAll
    static void makeSnapshot() {
        runtime = TestRuntimes.inHome(home);
        runtime.createSnapshot("python", null, false);
    }

    @AfterAll
    static void noVmOutlivesTheTests() {
        assertThat(TestRuntimes.liveChildren()).isZero();
    }

    /** Appends a line to a file on the guest's disk and fills 8 MiB of memory with random bytes. */
    private static String step(String name) {
        return "import os\nwith open('/tmp/chain.txt', 'a') as f:\n    f.write('" + name + "\\n')\n"
                + "noise = bytearray(8 << 20)\nfor i in range(0, len(noise), 65536):\n"
                + "    noise[i:i + 65536] = os.urandom(65536)\nprint('saved " + name + "')";
    }

    @Test
    @Order(1)
    void a_diff_of_a_guest_that_wrote_8_MiB_holds_about_8_MiB_not_its_512_MiB_of_memory() throws IOException {
        ThawRuntime.SavedRun saved = runtime.runAndSave(RunRequest.of("python", step("one")), "one", false);

        assertThat(text(saved.result().stdout())).isEqualTo("saved one\n");
        Snapshot diff = saved.snapshot();
        assertThat(diff.manifest().parent()).isEqualTo("python");
        assertThat(diff.allocatedBytes()).isBetween(8 * MIB, 24 * MIB);
        assertThat(Files.size(diff.files().memory())).isEqualTo(512 * MIB);
    }

    @Test
    @Order(2)
    void a_three_deep_chain_restores_with_every_diffs_changes() {
        runtime.runAndSave(onSnapshot("one", step("two")), "two", false);
        runtime.runAndSave(onSnapshot("two", step("three")), "three", false);

        RunResult result = runtime.run(onSnapshot("three", "print(open('/tmp/chain.txt').read(), end='')"));

        assertThat(text(result.stdout())).isEqualTo("one\ntwo\nthree\n");
        assertThat(runtime.run(onSnapshot("one", "print(open('/tmp/chain.txt').read(), end='')")).stdout())
                .asString(StandardCharsets.UTF_8).isEqualTo("one\n");
    }

    @Test
    @Order(3)
    void a_snapshot_that_diffs_depend_on_cannot_be_removed() {
        assertThatThrownBy(() -> runtime.removeSnapshot("two"))
                .isInstanceOf(SandboxException.class).hasMessageContaining("three");
        assertThat(runtime.snapshot("two")).isPresent();
    }

    @Test
    @Order(4)
    void a_squashed_chain_restores_alone_with_the_same_state() {
        Snapshot whole = runtime.squash("three", "whole", false);

        assertThat(whole.manifest().parent()).isNull();
        assertThat(whole.files().memoryPages()).doesNotExist();
        runtime.removeSnapshot("three");
        runtime.removeSnapshot("two");
        runtime.removeSnapshot("one");
        RunResult result = runtime.run(onSnapshot("whole", "print(open('/tmp/chain.txt').read(), end='')"));
        assertThat(text(result.stdout())).isEqualTo("one\ntwo\nthree\n");
    }

    private static RunRequest onSnapshot(String id, String code) {
        return new RunRequest("python", code.getBytes(StandardCharsets.UTF_8), null, null, null,
                RunRequest.DEFAULT_OUTPUT_CAP, false, id);
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
