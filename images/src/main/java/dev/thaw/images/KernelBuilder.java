package dev.thaw.images;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Builds the guest kernel from Debian's cloud kernel package: the PVH {@code vmlinux} and an
 * initramfs with busybox, the virtio modules (the package builds them as modules and has no
 * command-line virtio-mmio devices, so they must be loaded before the root disk appears)
 * and the guest agent.
 */
final class KernelBuilder {

    static final String META_PACKAGE = "linux-image-cloud-amd64";
    /** ext4, jbd2 and crc32c are built into this kernel; virtio is not. */
    static final List<String> MODULES = List.of("virtio_mmio", "virtio_blk", "virtio_console");

    private final Path debs;
    private final BuildProgress progress;

    KernelBuilder(Path debs, BuildProgress progress) {
        this.debs = debs;
        this.progress = progress;
    }

    /** What the initramfs is made of besides the kernel package: changes here mean a rebuild. */
    static String inputsKey(AgentBinary agent) {
        return Digests.sha256(String.join("\n", "builder 1", agent.version(), initScript(), String.join(",", MODULES)));
    }

    GuestKernel build(Path workDir, Path outputDir, AgentBinary agent) throws IOException {
        Path deb = timed("download kernel package", this::downloadPackage);
        Path tree = Files.createDirectories(workDir.resolve("package"));
        HostCommand.run(List.of("dpkg-deb", "-x", deb.toString(), tree.toString()));
        String release = release(tree);
        Path vmlinux = workDir.resolve("vmlinux");
        timed("extract vmlinux", () -> {
            BzImage.extractVmlinux(tree.resolve("boot/vmlinuz-" + release), vmlinux);
            return vmlinux;
        });
        Path agentBinary = workDir.resolve("thaw-agent");
        Path agentSources = Files.createDirectories(workDir.resolve("agent"));
        timed("compile guest agent", () -> {
            agent.compile(agentSources, agentBinary);
            return agentBinary;
        });
        Path initrd = workDir.resolve("initrd.cpio");
        timed("build initramfs", () -> writeInitramfs(tree, release, agentBinary, initrd));
        String packageVersion = deb.getFileName().toString().replaceFirst("\\.deb$", "");
        return publish(vmlinux, initrd, outputDir, packageVersion, agent.version());
    }

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
                throw new ImageException(ImageException.Code.TOOL_FAILED, "apt-get download " + name + " left no .deb in " + debs);
            }
            return deb;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The versioned package the meta package points at today, e.g. linux-image-6.1.0-56-cloud-amd64. */
    private static String concretePackage() {
        String depends = HostCommand.run(List.of("apt-cache", "depends", META_PACKAGE));
        if (!depends.contains("Depends: linux-image-")) {
            HostCommand.run(List.of("apt-get", "update", "-q"));
            depends = HostCommand.run(List.of("apt-cache", "depends", META_PACKAGE));
        }
        return depends.lines().map(String::trim).filter(l -> l.startsWith("Depends: linux-image-"))
                .map(l -> l.substring("Depends: ".length())).findFirst()
                .orElseThrow(() -> new ImageException(ImageException.Code.TOOL_FAILED,
                        "apt knows no " + META_PACKAGE + "; check /etc/apt/sources.list and run apt-get update"));
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
                    .orElseThrow(() -> new ImageException(ImageException.Code.UNSUPPORTED, "kernel package has no modules"));
        }
    }

    private Path writeInitramfs(Path tree, String release, Path agentBinary, Path initrd) {
        try {
            HostCommand.run(List.of("depmod", "-b", tree.toString(), release));
            Path modulesDir = tree.resolve("lib/modules").resolve(release);
            List<String> order = new KernelModules(Files.readString(modulesDir.resolve("modules.dep"))).loadOrder(MODULES);
            Initramfs image = new Initramfs();
            for (String dir : List.of("proc", "sys", "dev", "newroot", "tmp", "sbin", "bin")) {
                image.directory(dir);
            }
            image.file("init", initScript().getBytes(java.nio.charset.StandardCharsets.UTF_8), 0755)
                    .file("bin/busybox", Path.of("/bin/busybox"), 0755)
                    .file("sbin/thaw-agent", agentBinary, 0755);
            StringBuilder loadOrder = new StringBuilder();
            for (String module : order) {
                String file = Path.of(module).getFileName().toString();
                image.file("lib/modules/" + file, modulesDir.resolve(module), 0644);
                loadOrder.append(file).append('\n');
            }
            image.file("lib/modules/load-order", loadOrder.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8), 0644);
            try (OutputStream out = Files.newOutputStream(initrd)) {
                image.writeTo(out);
            }
            return initrd;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot build the initramfs", e);
        }
    }

    private static GuestKernel publish(Path vmlinux, Path initrd, Path outputDir, String version, String agentVersion)
            throws IOException {
        Files.createDirectories(outputDir);
        String vmlinuxDigest = Digests.sha256(vmlinux);
        String initrdDigest = Digests.sha256(initrd);
        Path finalVmlinux = outputDir.resolve("vmlinux-" + vmlinuxDigest);
        Path finalInitrd = outputDir.resolve("initrd-" + initrdDigest + ".cpio");
        Files.move(vmlinux, finalVmlinux, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        Files.move(initrd, finalInitrd, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return new GuestKernel(finalVmlinux, vmlinuxDigest, finalInitrd, initrdDigest, version, agentVersion);
    }

    static String initScript() {
        try (InputStream in = KernelBuilder.class.getResourceAsStream("/dev/thaw/images/init.sh")) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("init.sh is missing from the images module", e);
        }
    }

    private <T> T timed(String step, java.util.function.Supplier<T> action) {
        progress.step(step);
        long start = System.nanoTime();
        T result = action.get();
        progress.done(step, (System.nanoTime() - start) / 1_000_000);
        return result;
    }
}
