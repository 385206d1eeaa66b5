package dev.thaw.images;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Builds the guest kernel from Debian's cloud kernel package: the PVH {@code vmlinux} cut
 * out of the package's bzImage, and the initramfs ({@link GuestInitramfs}) with the
 * package's virtio modules and a freshly compiled guest agent.
 */
final class KernelBuilder {

    static final String META_PACKAGE = "linux-image-cloud-amd64";

    private final Path debs;
    private final StepRunner steps;

    KernelBuilder(Path debs, StepRunner steps) {
        this.debs = debs;
        this.steps = steps;
    }

    /** Builds in {@code workDir} and moves the two files, named by digest, into {@code outputDir}. */
    GuestKernel build(Path workDir, Path outputDir, AgentBinary agent) throws IOException {
        Path deb = steps.run("download kernel package", this::downloadPackage);
        Path tree = Files.createDirectories(workDir.resolve("package"));
        steps.run("unpack kernel package", () -> HostCommand.run(List.of("dpkg-deb", "-x", deb.toString(), tree.toString())));
        String release = release(tree);
        Path vmlinux = workDir.resolve("vmlinux");
        steps.run("extract vmlinux", () -> BzImage.extractVmlinux(tree.resolve("boot/vmlinuz-" + release), vmlinux));
        Path agentBinary = workDir.resolve("thaw-agent");
        Path agentSources = Files.createDirectories(workDir.resolve("agent"));
        steps.run("compile guest agent", () -> agent.compile(agentSources, agentBinary));
        Path initrd = workDir.resolve("initrd.cpio");
        steps.run("build initramfs", () -> GuestInitramfs.write(tree, release, agentBinary, initrd));
        String packageVersion = deb.getFileName().toString().replaceFirst("\\.deb$", "");
        return publish(vmlinux, initrd, outputDir, packageVersion, agent.version());
    }

    /** The cached .deb of the package the meta package points at, downloaded when missing. */
    private Path downloadPackage() {
        String name = concretePackage();
        try {
            Files.createDirectories(debs);
            Path existing = findDeb(name);
            if (existing != null) {
                return existing;
            }
            HostCommand.run(List.of("apt-get", "download", name), debs, Map.of());
            Path deb = findDeb(name);
            if (deb == null) {
                throw new ImageException(ImageException.Code.TOOL_FAILED,
                        "apt-get download " + name + " left no .deb in " + debs);
            }
            return deb;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The versioned package the meta package points at today, e.g. linux-image-6.1.0-56-cloud-amd64. */
    private static String concretePackage() {
        String depends = dependsOfMeta();
        if (depends.isEmpty()) {
            // A fresh host has no package lists yet.
            HostCommand.run(List.of("apt-get", "update", "-q"));
            depends = dependsOfMeta();
        }
        return concretePackageIn(depends).orElseThrow(() -> new ImageException(ImageException.Code.TOOL_FAILED,
                "apt knows no " + META_PACKAGE + " even after apt-get update; add Debian bookworm (main) to "
                        + "/etc/apt/sources.list"));
    }

    private static String dependsOfMeta() {
        try {
            return HostCommand.run(List.of("apt-cache", "depends", META_PACKAGE));
        } catch (ImageException e) {
            return ""; // apt-cache fails when it does not know the package at all
        }
    }

    /** Parses apt-cache depends output: the first "Depends: linux-image-..." line. */
    static java.util.Optional<String> concretePackageIn(String aptCacheDepends) {
        return aptCacheDepends.lines().map(String::trim).filter(l -> l.startsWith("Depends: linux-image-"))
                .map(l -> l.substring("Depends: ".length()).trim()).findFirst();
    }

    private Path findDeb(String name) throws IOException {
        try (Stream<Path> files = Files.list(debs)) {
            return files.filter(p -> p.getFileName().toString().startsWith(name + "_")
                    && p.getFileName().toString().endsWith(".deb")).sorted().reduce((a, b) -> b).orElse(null);
        }
    }

    private static String release(Path tree) throws IOException {
        try (Stream<Path> modules = Files.list(tree.resolve("lib/modules"))) {
            return modules.map(p -> p.getFileName().toString()).findFirst()
                    .orElseThrow(() -> new ImageException(ImageException.Code.UNSUPPORTED,
                            "the kernel package has no lib/modules directory; is it a linux-image package?"));
        }
    }

    private static GuestKernel publish(Path vmlinux, Path initrd, Path outputDir, String version, String agentVersion)
            throws IOException {
        Files.createDirectories(outputDir);
        String vmlinuxDigest = Digests.sha256(vmlinux);
        String initrdDigest = Digests.sha256(initrd);
        Path finalVmlinux = outputDir.resolve("vmlinux-" + vmlinuxDigest);
        Path finalInitrd = outputDir.resolve("initrd-" + initrdDigest + ".cpio");
        // Same name means same bytes, so replacing a file another build published is harmless.
        Files.move(vmlinux, finalVmlinux, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        Files.move(initrd, finalInitrd, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return new GuestKernel(finalVmlinux, vmlinuxDigest, finalInitrd, initrdDigest, version, agentVersion);
    }
}
