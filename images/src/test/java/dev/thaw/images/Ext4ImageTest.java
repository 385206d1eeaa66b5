package dev.thaw.images;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Ext4ImageTest {

    @TempDir
    Path dir;

    @Test
    void used_inodes_are_the_complement_of_every_groups_free_ranges() {
        String dumpe2fs = """
                Inode count:              24
                Group 0: (Blocks 0-32767)
                  Free inodes: 14-16, 18
                Group 1: (Blocks 32768-65535)
                  Free inodes: 17, 19-24
                """;

        BitSet used = Ext4Image.usedInodes(dumpe2fs);

        assertThat(used.stream().boxed().toList()).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13);
    }

    @Test
    void image_keeps_256_mib_free_for_small_trees_and_half_again_for_big_ones() {
        long mib = 1L << 20;

        assertThat(Ext4Image.sizeFor(16 * mib)).isEqualTo(16 * mib + mib + 80 * mib + 256 * mib);
        assertThat(Ext4Image.sizeFor(1024 * mib)).isEqualTo(1024 * mib + 64 * mib + 80 * mib + 512 * mib);
        assertThat(Ext4Image.sizeFor(1000) % mib).isZero();
    }

    @Test
    void two_images_of_one_tree_are_byte_identical_even_when_built_later() throws Exception {
        Path tree = smallTree();
        Path first = dir.resolve("first.ext4");
        Path second = dir.resolve("second.ext4");

        Ext4Image.build("sh", tree, first);
        Thread.sleep(1100); // the second build's files get a different ctime, which must not show
        Ext4Image.build("sh", tree, second);

        assertThat(Digests.sha256(second)).isEqualTo(Digests.sha256(first));
    }

    @Test
    void image_passes_a_full_fsck_and_holds_the_tree() throws Exception {
        Path image = dir.resolve("root.ext4");

        Ext4Image.build("sh", smallTree(), image);

        HostCommand.run(List.of("e2fsck", "-fn", image.toString()));
        assertThat(HostCommand.run(List.of("debugfs", "-R", "cat /etc/hello", image.toString()))).contains("hello world");
        assertThat(HostCommand.run(List.of("debugfs", "-R", "stat /tmp", image.toString()))).contains("Mode:  01777");
    }

    private Path smallTree() throws Exception {
        Path tree = dir.resolve("tree");
        Files.createDirectories(tree.resolve("etc"));
        Files.createDirectories(tree.resolve("tmp"));
        Files.writeString(tree.resolve("etc/hello"), "hello world\n");
        Files.createSymbolicLink(tree.resolve("etc/link"), Path.of("hello"));
        Files.createLink(tree.resolve("etc/hard"), tree.resolve("etc/hello"));
        HostCommand.run(List.of("chmod", "1777", tree.resolve("tmp").toString()));
        return tree;
    }
}
