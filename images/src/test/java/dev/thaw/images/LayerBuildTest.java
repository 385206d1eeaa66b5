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
    void layer_holds_only_what_its_packages_and_files_add_and_names_its_lower_by_serial() throws Exception {
        RootfsImage base = TestImages.builder().rootfs(RootfsBuildTest.SH);

        assertThat(image.lowers()).isEqualTo(base.stack());
        assertThat(image.upper()).isEqualTo(base.upper());
        TestImages.mounted(image, dir, root -> {
            assertThat(root.resolve("lowers")).hasContent(base.serial());
            assertThat(root.resolve("tree/usr/bin/hello")).isRegularFile();
            assertThat(root.resolve("tree/etc/thaw/layer")).hasContent("layer file");
            assertThat(root.resolve("tree/bin/bash")).doesNotExist();
            assertThat(root.resolve("tree/var/lib/apt/lists")).isEmptyDirectory();
            assertThat(root.resolve("work")).doesNotExist();
        });
    }

    @Test
    void layer_image_is_smaller_than_its_base_and_passes_a_full_fsck() throws Exception {
        HostCommand.run(List.of("fsck.erofs", image.file().toString()));
        assertThat(Files.size(image.file())).isLessThan(Files.size(image.lowers().getFirst().file()));
    }

    @Test
    void stack_digest_covers_every_layer() {
        RootfsImage other = new RootfsImage(image.name(), image.file(), image.sha256(), image.sizeBytes(),
                List.of(new RootfsImage("x", image.file(), "0".repeat(64), 0)));

        assertThat(image.stackDigest()).isNotEqualTo(image.sha256()).isNotEqualTo(other.stackDigest())
                .isNotEqualTo(image.withUpper(null).stackDigest());
    }

    @Test
    void two_builds_of_one_layer_over_one_base_give_byte_identical_images() throws Exception {
        RootfsImage base = image.lowers().getFirst();
        Files.delete(TestImages.DIR.resolve("rootfs/index").resolve(ImageBuilder.recipeKey(HELLO, base) + ".json"));
        Path kept = dir.resolve("first.erofs");
        Files.move(image.file(), kept);

        RootfsImage again = TestImages.builder().rootfs(HELLO);

        assertThat(again.sha256()).isEqualTo(image.sha256());
        assertThat(Digests.sha256(kept)).isEqualTo(again.sha256());
    }
}
