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
        assertThat(image.file().getFileName().toString()).isEqualTo("sh-" + image.sha256() + ".ext4");
        assertThat(Digests.sha256(image.file())).isEqualTo(image.sha256());
        HostCommand.run(List.of("e2fsck", "-fn", image.file().toString()));
    }

    @Test
    void image_has_the_recipes_files_a_sticky_tmp_and_no_build_logs() {
        assertThat(debugfs("cat /tree/etc/thaw/hello")).contains("hello from thaw");
        assertThat(debugfs("stat /tree/tmp")).contains("Mode:  01777");
        assertThat(debugfs("ls /tree/var/log")).doesNotContain("dpkg.log").doesNotContain("bootstrap.log");
        assertThat(debugfs("stat /tree/bin/bash")).contains("mtime: 0x6553f100").contains("ctime: 0x6553f100");
    }

    @Test
    void image_leaves_at_least_256_mib_free() {
        String summary = HostCommand.run(List.of("dumpe2fs", "-h", image.file().toString()));
        long freeBlocks = Long.parseLong(summary.lines().filter(l -> l.startsWith("Free blocks:")).findFirst()
                .orElseThrow().replaceAll("\\D", ""));

        assertThat(freeBlocks * 4096).isGreaterThanOrEqualTo(256L << 20);
    }

    @Test
    void image_mounts_and_has_a_shell() throws Exception {
        Path mountPoint = Files.createDirectories(dir.resolve("mnt"));
        HostCommand.run(List.of("mount", "-o", "loop,ro", image.file().toString(), mountPoint.toString()));
        try {
            assertThat(mountPoint.resolve("tree/bin/sh")).exists();
            assertThat(mountPoint.resolve("tree/etc/debian_version")).content().startsWith("12.");
        } finally {
            HostCommand.run(List.of("umount", mountPoint.toString()));
        }
    }

    @Test
    void second_call_is_served_from_the_index_and_listed() {
        TestImages.STEPS.clear();

        assertThat(TestImages.builder().rootfs(SH)).isEqualTo(image);
        assertThat(TestImages.STEPS).isEmpty();
        assertThat(TestImages.builder().listRootfs()).contains(image);
        assertThat(TestImages.builder().cachedRootfs(new RootfsRecipe("sh", List.of("gcc"), Map.of()))).isEmpty();
    }

    @Test
    void two_debootstraps_of_one_recipe_give_byte_identical_images() throws Exception {
        assumeTrue(Boolean.getBoolean("thaw.images.twice"), "slow (about 45 s); run with -Dthaw.images.twice=true");
        Files.delete(TestImages.DIR.resolve("rootfs/index").resolve(ImageBuilder.recipeKey(SH, null) + ".json"));
        Path kept = dir.resolve("first.ext4");
        Files.move(image.file(), kept);

        RootfsImage again = TestImages.builder().rootfs(SH);

        assertThat(again.sha256()).isEqualTo(image.sha256());
        assertThat(Digests.sha256(kept)).isEqualTo(again.sha256());
    }

    private static String debugfs(String request) {
        return HostCommand.run(List.of("debugfs", "-R", request, image.file().toString()));
    }
}
