package dev.thaw.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkDirsTest {

    @TempDir
    Path root;

    @Test
    void leftovers_of_a_crashed_build_are_removed_and_published_files_kept() throws Exception {
        Path leftover = Files.createDirectories(root.resolve(".build-999999-3/tree/usr/bin"));
        Files.writeString(leftover.resolve("python3"), "half");
        Files.createDirectories(root.resolve("rootfs"));

        WorkDirs.removeLeftovers(root);

        assertThat(root.resolve(".build-999999-3")).doesNotExist();
        assertThat(root.resolve("rootfs")).isDirectory();
    }

    @Test
    void a_mount_left_inside_a_build_tree_is_unmounted_not_descended_into() throws Exception {
        assumeTrue(System.getProperty("user.name").equals("root"), "mounting needs root");
        Path proc = Files.createDirectories(root.resolve(".build-999999-4/tree/proc"));
        HostCommand.run(List.of("mount", "-t", "tmpfs", "tmpfs", proc.toString()));
        Files.writeString(proc.resolve("inside-the-mount"), "x");

        WorkDirs.removeLeftovers(root);

        assertThat(WorkDirs.mountsUnder(root.toAbsolutePath())).isEmpty();
        assertThat(root.resolve(".build-999999-4")).doesNotExist();
    }
}
