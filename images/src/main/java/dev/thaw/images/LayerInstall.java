package dev.thaw.images;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Installs Debian packages over existing layers and keeps only what the installation
 * changed. The lower layers' EROFS images are loop-mounted read-only (the host kernel needs
 * erofs) and stacked with overlayfs;
 * apt runs chrooted in the merged tree, so every file it writes, and a whiteout for every
 * file it deletes, lands in the overlay's upper directory: the new layer. The guest stacks
 * the same layers the same way, so it sees exactly the tree apt saw.
 */
final class LayerInstall {

    /**
     * Overlayfs features that would record host-specific state in the upper directory
     * (redirects, an inode index, metadata-only copies, a random uuid on its root); off, the
     * upper is a plain tree and two builds of a layer are byte-identical.
     */
    static final String PLAIN_OVERLAY = "redirect_dir=off,index=off,metacopy=off,xino=off,uuid=off";
    /** Written while apt runs and removed after: keeps maintainer scripts from starting services. */
    private static final String POLICY_RC = "usr/sbin/policy-rc.d";
    private static final String RESOLV_CONF = "etc/resolv.conf";

    private final Path aptCache;

    /** {@code aptCache} keeps downloaded .debs between builds. */
    LayerInstall(Path aptCache) {
        this.aptCache = aptCache;
    }

    /**
     * Installs {@code packages} over {@code lowers} (nearest first) in {@code work}; leaves
     * the changes in {@code upper}, which must not exist yet.
     */
    void install(List<RootfsImage> lowers, List<String> packages, Path work, Path upper) {
        Path merged = work.resolve("merged");
        try {
            Files.createDirectories(upper);
            if (packages.isEmpty()) {
                return; // a layer of Thaw's files only
            }
            Files.createDirectories(aptCache.resolve("partial"));
            Files.createDirectories(merged);
            mountStack(lowers, work, upper, merged);
            prepareChroot(merged);
            apt(merged, List.of("update", "-q"));
            List<String> install = new ArrayList<>(List.of("install", "-y", "-q", "--no-install-recommends"));
            install.addAll(packages.stream().sorted().toList());
            apt(merged, install);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot install packages over the layers in " + work, e);
        } finally {
            unmountAll(work);
        }
        removeChrootFiles(upper);
    }

    private static void mountStack(List<RootfsImage> lowers, Path work, Path upper, Path merged) throws IOException {
        List<String> lowerDirs = new ArrayList<>();
        for (int i = 0; i < lowers.size(); i++) {
            Path dir = Files.createDirectories(work.resolve("lower" + i));
            HostCommand.run(List.of("mount", "-t", "erofs", "-o", "loop,ro", lowers.get(i).file().toString(),
                    dir.toString()));
            lowerDirs.add(dir.resolve("tree").toString());
        }
        Path overlayWork = Files.createDirectories(work.resolve("overlay-work"));
        HostCommand.run(List.of("mount", "-t", "overlay", "overlay", "-o", "lowerdir=" + String.join(":", lowerDirs)
                + ",upperdir=" + upper + ",workdir=" + overlayWork + "," + PLAIN_OVERLAY, merged.toString()));
    }

    /** /proc and /dev for maintainer scripts, the host's resolver for apt, the shared .deb cache. */
    private void prepareChroot(Path merged) throws IOException {
        HostCommand.run(List.of("mount", "-t", "proc", "proc", merged.resolve("proc").toString()));
        HostCommand.run(List.of("mount", "--bind", "/dev", merged.resolve("dev").toString()));
        Path archives = Files.createDirectories(merged.resolve("var/cache/apt/archives"));
        HostCommand.run(List.of("mount", "--bind", aptCache.toString(), archives.toString()));
        Files.deleteIfExists(merged.resolve(RESOLV_CONF));
        Files.copy(Path.of("/etc/resolv.conf"), merged.resolve(RESOLV_CONF));
        Files.writeString(merged.resolve(POLICY_RC), "#!/bin/sh\nexit 101\n");
        HostCommand.run(List.of("chmod", "755", merged.resolve(POLICY_RC).toString()));
    }

    private static void apt(Path merged, List<String> arguments) {
        List<String> command = new ArrayList<>(List.of("chroot", merged.toString(), "apt-get"));
        command.addAll(arguments);
        HostCommand.run(command, null, Map.of("DEBIAN_FRONTEND", "noninteractive", "LC_ALL", "C.UTF-8",
                "PATH", "/usr/sbin:/usr/bin:/sbin:/bin"));
    }

    private static void unmountAll(Path work) {
        try {
            for (String mount : WorkDirs.mountsUnder(work.toAbsolutePath().normalize())) {
                HostCommand.run(List.of("umount", mount));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unmount the layers under " + work, e);
        }
    }

    /**
     * Removing the upper's copy shows the lower's file again (debootstrap's resolv.conf) or
     * nothing, as before the install.
     */
    private static void removeChrootFiles(Path upper) {
        try {
            Files.deleteIfExists(upper.resolve(POLICY_RC));
            Files.deleteIfExists(upper.resolve(RESOLV_CONF));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
