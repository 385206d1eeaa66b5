package dev.thaw.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A layer made the way the image builder makes one (the upper directory of an overlayfs over
 * a lower tree), turned into EROFS and stacked again over the same lower, as the guest does:
 * what the layer deleted, made opaque, linked and set must still show in the merged tree.
 */
class ErofsImageTest {

    @TempDir
    Path dir;

    private Path lower;
    private Path layer;

    @BeforeEach
    void makeLayerOverLowerTree() throws IOException {
        assumeTrue(System.getProperty("user.name").equals("root"), "mounting overlayfs and erofs needs root");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/mkfs.erofs")), "erofs-utils is not installed; scripts/host.sh");
        lower = Files.createDirectories(dir.resolve("lower"));
        Files.createDirectories(lower.resolve("etc"));
        Files.createDirectories(lower.resolve("opaque"));
        Files.writeString(lower.resolve("etc/gone"), "deleted by the layer\n");
        Files.writeString(lower.resolve("opaque/old"), "hidden by the layer\n");
        Files.writeString(lower.resolve("keep"), "still there\n");
        layer = Files.createDirectories(dir.resolve("layer"));
        Path merged = overlay(lower.toString(), Files.createDirectories(layer.resolve("tree")), "build");
        try {
            changeThroughOverlay(merged);
        } finally {
            unmountAll();
        }
        LayerLayout.finish(layer, null);
    }

    /** What apt does to a tree: deletes, replaces a directory, adds a setuid program, a hard link, a device. */
    private static void changeThroughOverlay(Path merged) throws IOException {
        Files.delete(merged.resolve("etc/gone"));
        WorkDirs.deleteTree(merged.resolve("opaque"));
        Files.createDirectories(merged.resolve("opaque"));
        Files.writeString(merged.resolve("opaque/new"), "the layer's own\n");
        Files.createDirectories(merged.resolve("bin"));
        Files.writeString(merged.resolve("bin/su"), "#!/bin/sh\n");
        HostCommand.run(List.of("chmod", "4755", merged.resolve("bin/su").toString()));
        Files.createLink(merged.resolve("bin/su2"), merged.resolve("bin/su"));
        HostCommand.run(List.of("mknod", merged.resolve("null").toString(), "c", "1", "3"));
    }

    @AfterEach
    void unmountAll() throws IOException {
        for (String mount : WorkDirs.mountsUnder(dir.toAbsolutePath().normalize())) {
            HostCommand.run(List.of("umount", mount));
        }
    }

    @Test
    void whiteouts_opaque_directories_setuid_hard_links_and_devices_survive_erofs() throws Exception {
        Path image = dir.resolve("layer.erofs");
        ErofsImage.build("t", layer, image);
        Path mounted = Files.createDirectories(dir.resolve("mounted"));
        HostCommand.run(List.of("mount", "-t", "erofs", "-o", "loop,ro", image.toString(), mounted.toString()));

        Path merged = overlay(mounted.resolve("tree") + ":" + lower, null, "guest");

        assertThat(merged.resolve("etc/gone")).doesNotExist();
        assertThat(merged.resolve("keep")).hasContent("still there");
        assertThat(merged.resolve("opaque/old")).doesNotExist();
        assertThat(merged.resolve("opaque/new")).hasContent("the layer's own");
        assertThat((int) attribute(merged.resolve("bin/su"), "mode") & 07777).isEqualTo(04755);
        assertThat(attribute(merged.resolve("bin/su2"), "ino")).isEqualTo(attribute(merged.resolve("bin/su"), "ino"));
        assertThat(attribute(merged.resolve("bin/su"), "nlink")).isEqualTo(2);
        assertThat(attribute(merged.resolve("null"), "rdev")).isEqualTo(attribute(Path.of("/dev/null"), "rdev"));
        assertThat(Files.getLastModifiedTime(merged.resolve("bin/su")).toMillis() / 1000)
                .isEqualTo(Ext4Image.EPOCH_SECONDS);
    }

    @Test
    void two_images_of_one_layer_are_byte_identical_even_when_built_later() throws Exception {
        Path first = dir.resolve("first.erofs");
        Path second = dir.resolve("second.erofs");

        ErofsImage.build("t", layer, first);
        Thread.sleep(1100); // the clock moves on between builds, which must not show
        ErofsImage.build("t", layer, second);

        assertThat(Digests.sha256(second)).isEqualTo(Digests.sha256(first));
        HostCommand.run(List.of("fsck.erofs", first.toString()));
    }

    /** Mounts an overlay of {@code lowerDirs}, writable into {@code upper} when it is given. */
    private Path overlay(String lowerDirs, Path upper, String name) throws IOException {
        Path merged = Files.createDirectories(dir.resolve(name + "-merged"));
        String options = "lowerdir=" + lowerDirs;
        if (upper != null) {
            Path work = Files.createDirectories(dir.resolve(name + "-work"));
            options += ",upperdir=" + upper + ",workdir=" + work + "," + LayerInstall.PLAIN_OVERLAY;
        }
        HostCommand.run(List.of("mount", "-t", "overlay", "overlay", "-o", options, merged.toString()));
        return merged;
    }

    private static Object attribute(Path path, String name) throws IOException {
        return Files.getAttribute(path, "unix:" + name, LinkOption.NOFOLLOW_LINKS);
    }
}
