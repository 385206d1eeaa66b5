package dev.thaw.images;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What goes into the guest's initramfs: busybox, the kernel modules the root disk and the
 * agent's channel need, the guest agent and {@code /init}. The kernel package is Debian's
 * cloud kernel, which builds virtio as modules and describes no virtio-mmio devices on its
 * command line, so the drivers must be loaded before the root disk appears.
 */
final class GuestInitramfs {

    /**
     * Modules /init loads, besides their dependencies. ext4 (with jbd2 and crc32c) is built
     * into Debian's 6.1 cloud kernel; it is listed so a kernel that has it as a module works too.
     * overlay stacks a language's layers; erofs reads them (its LZ4 decompressor is built in).
     */
    static final List<String> MODULES = List.of("virtio_mmio", "virtio_blk", "virtio_console", "virtio_net", "ext4",
            "erofs", "overlay");
    /** Busybox applets /init calls by name; each becomes a symlink to /bin/busybox. */
    static final List<String> APPLETS = List.of("sh", "mount", "insmod", "cat", "mkdir", "seq", "usleep", "poweroff", "ip", "ln", "rm");
    static final String BUSYBOX = "/bin/busybox";

    private GuestInitramfs() {}

    /** Everything besides the kernel package that decides the initramfs's bytes; a change means a rebuild. */
    static String inputsKey(AgentBinary agent) {
        return String.join("\n", agent.version(), initScript(), String.join(",", MODULES), String.join(",", APPLETS),
                Digests.sha256(Path.of(BUSYBOX)));
    }

    /** Writes the initramfs for kernel {@code release}, unpacked from its package into {@code packageTree}. */
    static void write(Path packageTree, String release, Path agentBinary, Path initrd) {
        try {
            Initramfs image = new Initramfs();
            for (String dir : List.of("proc", "sys", "dev", "newroot", "thaw", "tmp", "sbin", "bin", "lib/modules")) {
                image.directory(dir);
            }
            // Without /dev/console the kernel starts init with no stdin, stdout or stderr.
            image.charDevice("dev/console", 5, 1)
                    .file("init", initScript().getBytes(StandardCharsets.UTF_8), 0755)
                    .file("bin/busybox", Path.of(BUSYBOX), 0755)
                    .file("sbin/thaw-agent", agentBinary, 0755);
            for (String applet : APPLETS) {
                image.symlink("bin/" + applet, "busybox");
            }
            addModules(image, packageTree, release);
            try (OutputStream out = Files.newOutputStream(initrd)) {
                image.writeTo(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the initramfs " + initrd, e);
        }
    }

    /** Adds the modules, uncompressed, and {@code lib/modules/load-order}, which /init follows. */
    private static void addModules(Initramfs image, Path packageTree, String release) throws IOException {
        HostCommand.run(List.of("depmod", "-b", packageTree.toString(), release));
        Path modulesDir = packageTree.resolve("lib/modules").resolve(release);
        KernelModules modules = new KernelModules(Files.readString(modulesDir.resolve("modules.dep")),
                readIfExists(modulesDir.resolve("modules.builtin")));
        List<String> loadOrder = new ArrayList<>();
        for (String module : modules.loadOrder(MODULES)) {
            Path file = uncompressed(modulesDir.resolve(module));
            image.file("lib/modules/" + file.getFileName(), file, 0644);
            loadOrder.add(file.getFileName().toString());
        }
        String order = loadOrder.isEmpty() ? "" : String.join("\n", loadOrder) + "\n";
        image.file("lib/modules/load-order", order.getBytes(StandardCharsets.UTF_8), 0644);
    }

    /** Busybox's insmod takes plain .ko files only, so compressed modules are unpacked on the host. */
    static Path uncompressed(Path module) {
        String name = module.getFileName().toString();
        if (name.endsWith(".ko")) {
            return module;
        }
        List<String> command = switch (name.substring(name.lastIndexOf('.') + 1)) {
            case "xz" -> List.of("xz", "-d", "-k", "-f", module.toString());
            case "zst" -> List.of("zstd", "-d", "-q", "-f", module.toString());
            case "gz" -> List.of("gzip", "-d", "-k", "-f", module.toString());
            default -> throw new ImageException(ImageException.Code.UNSUPPORTED, "kernel module " + name
                    + " has a compression Thaw does not unpack; expected .ko, .ko.xz, .ko.zst or .ko.gz");
        };
        HostCommand.run(command);
        return module.resolveSibling(name.substring(0, name.lastIndexOf('.')));
    }

    private static String readIfExists(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file) : "";
    }

    static String initScript() {
        try (InputStream in = GuestInitramfs.class.getResourceAsStream("/dev/thaw/images/init.sh")) {
            if (in == null) {
                throw new IllegalStateException("init.sh is missing from the images module's resources");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
