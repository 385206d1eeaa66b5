package dev.thaw.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A home on a small tmpfs: creating a snapshot there must fail cleanly. */
class DiskFullTest {

    @TempDir
    Path home;

    @BeforeEach
    void mountSmallDisk() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "mounting a tmpfs needs root");
        exec("mount", "-t", "tmpfs", "-o", "size=48m", "thaw-test", home.toString());
    }

    @AfterEach
    void unmount() throws Exception {
        exec("umount", home.toString());
    }

    @Test
    void snapshot_create_without_room_fails_with_disk_full_and_leaves_nothing() throws IOException {
        ThawRuntime runtime = TestRuntimes.inHome(home);

        assertThatThrownBy(() -> runtime.createSnapshot("sh", null, false))
                .isInstanceOf(SandboxException.class)
                .hasMessageContaining(home.toString())
                .satisfies(e -> assertThat(((SandboxException) e).code()).isEqualTo(SandboxException.Code.DISK_FULL));
        try (Stream<Path> left = Files.list(home.resolve("snapshots"))) {
            assertThat(left).isEmpty();
        }
        assertThat(runtime.snapshots()).isEmpty();
    }

    private static void exec(String... command) throws Exception {
        int exit = new ProcessBuilder(command).inheritIO().start().waitFor();
        assertThat(exit).as(String.join(" ", command)).isZero();
    }
}
