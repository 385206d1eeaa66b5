package dev.thaw.images;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Builds a real layer (Debian's tiny {@code hello} package) over the {@code sh} base of
 * {@link RootfsBuildTest}: apt in an overlayfs on the host, the upper directory kept.
 */
class LayerBuildTest {

    static final RootfsRecipe HELLO = new RootfsRecipe("hello", List.of("hello"),
            Map.of("/etc/thaw/layer", "layer file\n"), RootfsBuildTest.SH);

    @TempDir
    static Path dir;

    private static RootfsImage image;

    @BeforeAll
    static void build() {
        TestImages.assumeHostCanBuild();
        image = TestImages.builder().rootfs(HELLO);
    }

    @Test
    void layer_holds_only_what_its_packages_and_files_add_and_names_its_lower_by_serial() {
        RootfsImage base = TestImages.builder().rootfs(RootfsBuildTest.SH);

        assertThat(image.lowers()).containsExactly(base);
        assertThat(debugfs("cat /lowers")).contains(base.serial() + "\n");
        assertThat(debugfs("stat /tree/usr/bin/hello")).contains("Type: regular");
        assertThat(debugfs("cat /tree/etc/thaw/layer")).contains("layer file\n");
        assertThat(debugfs("stat /tree/bin/bash")).contains("File not found");
        assertThat(debugfs("ls /tree/var/lib/apt/lists")).doesNotContain("Packages");
        assertThat(debugfs("stat /work")).contains("Type: directory");
    }

    @Test
    void layer_image_is_smaller_than_its_base_and_passes_a_full_fsck() throws Exception {
        HostCommand.run(List.of("e2fsck", "-fn", image.file().toString()));
        assertThat(Files.size(image.file())).isLessThan(Files.size(image.lowers().getFirst().file()));
    }

    @Test
    void stack_digest_covers_every_layer() {
        RootfsImage other = new RootfsImage(image.name(), image.file(), image.sha256(), image.sizeBytes(),
                List.of(new RootfsImage("x", image.file(), "0".repeat(64), 0)));

        assertThat(image.stackDigest()).isNotEqualTo(image.sha256()).isNotEqualTo(other.stackDigest());
    }

    @Test
    void two_builds_of_one_layer_over_one_base_give_byte_identical_images() throws Exception {
        RootfsImage base = image.lowers().getFirst();
        Files.delete(TestImages.DIR.resolve("rootfs/index").resolve(ImageBuilder.recipeKey(HELLO, base) + ".json"));
        Path kept = dir.resolve("first.ext4");
        Files.move(image.file(), kept);

        RootfsImage again = TestImages.builder().rootfs(HELLO);

        assertThat(again.sha256()).isEqualTo(image.sha256());
        assertThat(Digests.sha256(kept)).isEqualTo(again.sha256());
    }

    private static String debugfs(String request) {
        return HostCommand.run(List.of("debugfs", "-R", request, image.file().toString()));
    }
}
