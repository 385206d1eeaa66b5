package dev.thaw.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Builds the smallest real image, the {@code sh} language (debootstrap minbase, about 45 s;
 * the .debs are cached for later runs). Building it twice from two debootstraps takes as long
 * again, so that test runs only with {@code -Dthaw.images.twice=true}.
 */
class RootfsBuildTest {

    static final RootfsRecipe SH = new RootfsRecipe("sh", List.of(), Map.of("/etc/thaw/hello", "hello from thaw\n"));

    private static RootfsImage image;

    @TempDir
    Path dir;

    @BeforeAll
    static void build() {
        TestImages.assumeHostCanBuild();
        image = TestImages.builder().rootfs(SH);
    }

    @Test
    void image_is_named_by_its_digest_and_passes_a_full_fsck() {
        assertThat(image.file().getFileName().toString()).isEqualTo("sh-" + image.sha256() + ".erofs");
        assertThat(Digests.sha256(image.file())).isEqualTo(image.sha256());
        HostCommand.run(List.of("fsck.erofs", image.file().toString()));
    }

    @Test
    void image_has_the_recipes_files_a_sticky_tmp_a_shell_and_no_build_logs() throws Exception {
        TestImages.mounted(image, dir, root -> {
            Path tree = root.resolve("tree");
            assertThat(tree.resolve("etc/thaw/hello")).hasContent("hello from thaw");
            assertThat((int) Files.getAttribute(tree.resolve("tmp"), "unix:mode") & 07777).isEqualTo(01777);
            assertThat(tree.resolve("var/log/dpkg.log")).doesNotExist();
            assertThat(tree.resolve("var/log/bootstrap.log")).doesNotExist();
            assertThat(Files.getLastModifiedTime(tree.resolve("bin/bash")).toMillis()).isEqualTo(0x6553f100L * 1000);
            assertThat(tree.resolve("bin/sh")).exists();
            assertThat(tree.resolve("etc/debian_version")).content().startsWith("12.");
        });
    }

    @Test
    void writable_disk_is_an_empty_sparse_ext4_with_room_for_writes() throws Exception {
        Path upper = image.rootDisk();
        HostCommand.run(List.of("e2fsck", "-fn", upper.toString()));
        String summary = HostCommand.run(List.of("dumpe2fs", "-h", upper.toString()));
        long freeBlocks = Long.parseLong(summary.lines().filter(l -> l.startsWith("Free blocks:")).findFirst()
                .orElseThrow().replaceAll("\\D", ""));

        assertThat(freeBlocks * 4096).isGreaterThanOrEqualTo(1L << 30);
        assertThat(HostCommand.run(List.of("debugfs", "-R", "ls /tree", upper.toString()))).doesNotContain("bin");
        assertThat(HostCommand.run(List.of("debugfs", "-R", "stat /work", upper.toString()))).contains("Type: directory");
        assertThat((long) Files.getAttribute(upper, "unix:size")).isEqualTo(ImageBuilder.UPPER_BYTES);
    }

    @Test
    void second_call_is_served_from_the_index_and_listed() {
        TestImages.STEPS.clear();

        assertThat(TestImages.builder().rootfs(SH)).isEqualTo(image);
        assertThat(TestImages.STEPS).isEmpty();
        assertThat(TestImages.builder().listRootfs()).contains(image.stack().getFirst(), image.upper());
        assertThat(TestImages.builder().cachedRootfs(new RootfsRecipe("sh", List.of("gcc"), Map.of()))).isEmpty();
    }

    @Test
    void two_debootstraps_of_one_recipe_give_byte_identical_images() throws Exception {
        assumeTrue(Boolean.getBoolean("thaw.images.twice"), "slow (about 45 s); run with -Dthaw.images.twice=true");
        Files.delete(TestImages.DIR.resolve("rootfs/index").resolve(ImageBuilder.recipeKey(SH, null) + ".json"));
        Path kept = dir.resolve("first.erofs");
        Files.move(image.file(), kept);

        RootfsImage again = TestImages.builder().rootfs(SH);

        assertThat(again.sha256()).isEqualTo(image.sha256());
        assertThat(Digests.sha256(kept)).isEqualTo(again.sha256());
    }
}
