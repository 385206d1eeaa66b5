package dev.thaw.images;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One images directory for all real-build tests of a module build (under target/, so a
 * {@code mvn clean} starts afresh): the kernel package and debootstrap's .debs are
 * downloaded once, and the kernel bundle is built once.
 */
final class TestImages {

    static final Path DIR = Path.of("target", "images-test-cache").toAbsolutePath();
    static final List<String> STEPS = new CopyOnWriteArrayList<>();
    private static final BuildProgress RECORD = new BuildProgress() {
        @Override
        public void step(String name) {
            STEPS.add(name);
        }

        @Override
        public void done(String name, long millis) {
            System.out.println("image build step '" + name + "' took " + millis + " ms");
        }
    };

    private TestImages() {}

    static ImageBuilder builder() {
        return new ImageBuilder(DIR, RECORD);
    }

    /** Real builds need root (debootstrap, images of root-owned trees, mounts) and the host tools. */
    static void assumeHostCanBuild() {
        assumeTrue(System.getProperty("user.name").equals("root"), "image builds need root (debootstrap)");
        for (String tool : List.of("debootstrap", "mke2fs", "mkfs.erofs", "debugfs", "lz4", "gcc", "apt-get", "dpkg-deb", "depmod")) {
            assumeTrue(onPath(tool), tool + " is not installed; scripts/host.sh installs the host tools");
        }
        assumeTrue(Files.isRegularFile(Path.of(GuestInitramfs.BUSYBOX)), "busybox-static is not installed");
    }

    /** Runs {@code check} on {@code image}'s files, loop-mounted read-only in {@code dir}. */
    static void mounted(RootfsImage image, Path dir, MountedCheck check) throws Exception {
        Path mountPoint = Files.createDirectories(dir.resolve("mnt"));
        HostCommand.run(List.of("mount", "-t", "erofs", "-o", "loop,ro", image.file().toString(), mountPoint.toString()));
        try {
            check.on(mountPoint);
        } finally {
            HostCommand.run(List.of("umount", mountPoint.toString()));
        }
    }

    interface MountedCheck {
        void on(Path root) throws Exception;
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return Files.isExecutable(Path.of("/usr/sbin", tool)) || Files.isExecutable(Path.of("/sbin", tool));
    }
}
