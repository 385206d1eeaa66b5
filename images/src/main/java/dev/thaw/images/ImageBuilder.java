package dev.thaw.images;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * Builds and caches guest kernels and root filesystem images under one directory:
 * <pre>
 *   debs/                      downloaded .deb files (kernel, debootstrap cache)
 *   kernel/vmlinux-SHA         kernel/initrd-SHA.cpio    kernel/kernel.properties
 *   rootfs/NAME-SHA.ext4       rootfs/NAME.properties (which recipe made which image)
 *   .build-PID-N/              work in progress; a dead process's is removed
 * </pre>
 * Each file is written in a work directory and moved into place when complete, so a crash
 * never leaves a half-built image where a reader would find it.
 */
public final class ImageBuilder {

    private static final String BUILDER_VERSION = "1";

    private final Path root;
    private final BuildProgress progress;

    public ImageBuilder(Path root, BuildProgress progress) {
        this.root = root;
        this.progress = progress;
    }

    public synchronized GuestKernel kernel() {
        return cachedKernel().orElseGet(this::buildKernel);
    }

    public Optional<GuestKernel> cachedKernel() {
        AgentBinary agent = AgentBinary.fromResources();
        return readIndex(kernelIndex())
                .filter(p -> KernelBuilder.inputsKey(agent).equals(p.getProperty("inputs")))
                .map(p -> new GuestKernel(Path.of(p.getProperty("vmlinux")), p.getProperty("vmlinuxDigest"),
                        Path.of(p.getProperty("initrd")), p.getProperty("initrdDigest"), p.getProperty("kernelVersion"),
                        p.getProperty("agentVersion")))
                .filter(k -> Files.exists(k.vmlinux()) && Files.exists(k.initrd()));
    }

    public synchronized RootfsImage rootfs(RootfsRecipe recipe) {
        return cachedRootfs(recipe).orElseGet(() -> buildRootfs(recipe));
    }

    public Optional<RootfsImage> cachedRootfs(RootfsRecipe recipe) {
        return readIndex(rootfsIndex(recipe.name()))
                .filter(p -> recipeKey(recipe).equals(p.getProperty("recipe")))
                .map(ImageBuilder::rootfsOf)
                .filter(image -> Files.exists(image.file()));
    }

    public List<RootfsImage> listRootfs() {
        List<RootfsImage> images = new ArrayList<>();
        Path dir = root.resolve("rootfs");
        if (!Files.isDirectory(dir)) {
            return images;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path index : files.filter(p -> p.toString().endsWith(".properties")).sorted().toList()) {
                readIndex(index).map(ImageBuilder::rootfsOf).filter(i -> Files.exists(i.file())).ifPresent(images::add);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return images;
    }

    private GuestKernel buildKernel() {
        AgentBinary agent = AgentBinary.fromResources();
        return inWorkDir(work -> {
            GuestKernel kernel = new KernelBuilder(root.resolve("debs"), progress)
                    .build(work, root.resolve("kernel"), agent);
            Properties p = new Properties();
            p.setProperty("inputs", KernelBuilder.inputsKey(agent));
            p.setProperty("vmlinux", kernel.vmlinux().toString());
            p.setProperty("vmlinuxDigest", kernel.vmlinuxDigest());
            p.setProperty("initrd", kernel.initrd().toString());
            p.setProperty("initrdDigest", kernel.initrdDigest());
            p.setProperty("kernelVersion", kernel.kernelVersion());
            p.setProperty("agentVersion", kernel.agentVersion());
            writeIndex(kernelIndex(), p, work);
            return kernel;
        });
    }

    private RootfsImage buildRootfs(RootfsRecipe recipe) {
        return inWorkDir(work -> {
            RootfsBuilder builder = new RootfsBuilder(root.resolve("debs").resolve("debootstrap"));
            Path tree = work.resolve("tree");
            timed("debootstrap " + recipe.name(), () -> builder.debootstrap(recipe, tree));
            builder.addFiles(recipe, tree);
            builder.scrub(tree);
            Path image = work.resolve("rootfs.ext4");
            timed("make ext4 image " + recipe.name(), () -> Ext4Image.build(recipe.name(), tree, image));
            String sha = Digests.sha256(image);
            Path dir = Files.createDirectories(root.resolve("rootfs"));
            Path published = dir.resolve(recipe.name() + "-" + sha + ".ext4");
            Files.move(image, published, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            Properties p = new Properties();
            p.setProperty("recipe", recipeKey(recipe));
            p.setProperty("name", recipe.name());
            p.setProperty("file", published.toString());
            p.setProperty("sha256", sha);
            p.setProperty("size", Long.toString(Files.size(published)));
            writeIndex(rootfsIndex(recipe.name()), p, work);
            return rootfsOf(p);
        });
    }

    private static RootfsImage rootfsOf(Properties p) {
        return new RootfsImage(p.getProperty("name"), Path.of(p.getProperty("file")), p.getProperty("sha256"),
                Long.parseLong(p.getProperty("size")));
    }

    static String recipeKey(RootfsRecipe recipe) {
        StringBuilder key = new StringBuilder("builder " + BUILDER_VERSION + "\nsuite " + RootfsBuilder.SUITE + "\n");
        recipe.packages().stream().sorted().forEach(p -> key.append("package ").append(p).append('\n'));
        recipe.files().entrySet().stream().sorted(java.util.Map.Entry.comparingByKey()).forEach(f ->
                key.append("file ").append(f.getKey()).append(' ').append(Digests.sha256(f.getValue())).append('\n'));
        return Digests.sha256(key.toString());
    }

    private Path kernelIndex() {
        return root.resolve("kernel").resolve("kernel.properties");
    }

    private Path rootfsIndex(String name) {
        return root.resolve("rootfs").resolve(name + ".properties");
    }

    private interface Work<T> {
        T in(Path workDir) throws IOException;
    }

    private <T> T inWorkDir(Work<T> work) {
        Path dir = null;
        try {
            Files.createDirectories(root);
            WorkDirs.removeLeftovers(root);
            dir = WorkDirs.create(root);
            return work.in(dir);
        } catch (IOException e) {
            throw new ImageException(ImageException.Code.IO, "image build failed: " + e.getMessage(), e);
        } finally {
            if (dir != null) {
                WorkDirs.delete(dir);
            }
        }
    }

    private void timed(String step, Runnable action) {
        progress.step(step);
        long start = System.nanoTime();
        action.run();
        progress.done(step, (System.nanoTime() - start) / 1_000_000);
    }

    private static Optional<Properties> readIndex(Path index) {
        if (!Files.exists(index)) {
            return Optional.empty();
        }
        try (Reader in = Files.newBufferedReader(index)) {
            Properties p = new Properties();
            p.load(in);
            return Optional.of(p);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static void writeIndex(Path index, Properties p, Path workDir) throws IOException {
        Files.createDirectories(index.getParent());
        Path temp = workDir.resolve(index.getFileName());
        try (Writer out = Files.newBufferedWriter(temp)) {
            p.store(out, null);
        }
        Files.move(temp, index, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
