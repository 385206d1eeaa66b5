package dev.thaw.images;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Builds and caches guest kernels and root filesystem images under one directory:
 * <pre>
 *   debs/                     kernel .deb files;  debs/debootstrap/  debootstrap's .deb cache
 *   kernel/vmlinux-SHA        kernel/initrd-SHA.cpio    kernel/index/INPUTS.json
 *   rootfs/NAME-SHA.erofs     rootfs/index/RECIPE.json  (which recipe made which layer)
 *   rootfs/upper-SHA.ext4     the empty writable disk every image's sandboxes write to
 *   .build-PID-N/             work in progress; removed by the next build if a crash left it
 *   .lock                     held while building, by one thread of one process at a time
 * </pre>
 * Images are written in a work directory and renamed into place when complete, and the
 * index entry is written after the image, so a crash never leaves a half-built image where
 * a reader would find it. Images are named by their sha256 and never modified.
 */
public final class ImageBuilder {

    /** Part of every cache key: bump it when a change to the builder changes what it produces. */
    static final String BUILDER_VERSION = "5";

    /** Room for a sandbox's writes (its qcow2 layer is this big); sparse, it costs only ext4's metadata. */
    static final long UPPER_BYTES = 2L << 30;
    static final String UPPER_NAME = "upper";

    private final Path root;
    private final StepRunner steps;
    private final ImageIndex kernels;
    private final ImageIndex rootfs;

    public ImageBuilder(Path imagesDir, BuildProgress progress) {
        this.root = imagesDir;
        this.steps = new StepRunner(progress);
        this.kernels = new ImageIndex(imagesDir.resolve("kernel"));
        this.rootfs = new ImageIndex(imagesDir.resolve("rootfs"));
    }

    /** The guest kernel and initramfs for the current guest agent, built on first use. */
    public GuestKernel kernel() {
        return cachedKernel().orElseGet(() -> underLock(() -> cachedKernel().orElseGet(this::buildKernel)));
    }

    public Optional<GuestKernel> cachedKernel() {
        return kernels.read(kernelKey(AgentBinary.fromResources()), ImageIndex.KernelEntry.class)
                .map(entry -> entry.toKernel(kernels.dir()))
                .filter(k -> Files.isRegularFile(k.vmlinux()) && Files.isRegularFile(k.initrd()));
    }

    /** The root filesystem of {@code recipe} with the layers under it and the writable disk, built on first use. */
    public RootfsImage rootfs(RootfsRecipe recipe) {
        return cachedRootfs(recipe).orElseGet(() -> underLock(() ->
                cachedOrBuilt(recipe).withUpper(cachedUpper().orElseGet(this::buildUpper))));
    }

    public Optional<RootfsImage> cachedRootfs(RootfsRecipe recipe) {
        return cachedLayers(recipe).flatMap(image -> cachedUpper().map(image::withUpper));
    }

    private Optional<RootfsImage> cachedLayers(RootfsRecipe recipe) {
        if (recipe.parent() == null) {
            return cachedLayer(recipe, null);
        }
        return cachedLayers(recipe.parent()).flatMap(parent -> cachedLayer(recipe, parent).map(l -> l.over(parent)));
    }

    private Optional<RootfsImage> cachedUpper() {
        return rootfs.read(upperKey(), ImageIndex.RootfsEntry.class)
                .map(entry -> entry.toImage(rootfs.dir()))
                .filter(image -> Files.isRegularFile(image.file()));
    }

    private Optional<RootfsImage> cachedLayer(RootfsRecipe recipe, RootfsImage parent) {
        return rootfs.read(recipeKey(recipe, parent), ImageIndex.RootfsEntry.class)
                .map(entry -> entry.toImage(rootfs.dir()))
                .filter(image -> Files.isRegularFile(image.file()));
    }

    /** Under the build lock: the parents first, each reused if present. */
    private RootfsImage cachedOrBuilt(RootfsRecipe recipe) {
        Optional<RootfsImage> cached = cachedLayers(recipe);
        if (cached.isPresent()) {
            return cached.get();
        }
        if (recipe.parent() == null) {
            return buildRootfs(recipe, null);
        }
        RootfsImage parent = cachedOrBuilt(recipe.parent());
        return buildRootfs(recipe, parent).over(parent);
    }

    /** Every root filesystem image built here and still present, by name. */
    public List<RootfsImage> listRootfs() {
        return rootfs.all(ImageIndex.RootfsEntry.class).stream()
                .map(entry -> entry.toImage(rootfs.dir()))
                .filter(image -> Files.isRegularFile(image.file()))
                .sorted(Comparator.comparing(RootfsImage::name).thenComparing(RootfsImage::sha256))
                .toList();
    }

    private GuestKernel buildKernel() {
        AgentBinary agent = AgentBinary.fromResources();
        return inWorkDir(work -> {
            GuestKernel kernel = new KernelBuilder(root.resolve("debs"), steps).build(work, kernels.dir(), agent);
            kernels.write(kernelKey(agent), new ImageIndex.KernelEntry(kernelKey(agent),
                    kernel.vmlinux().getFileName().toString(), kernel.vmlinuxDigest(),
                    kernel.initrd().getFileName().toString(), kernel.initrdDigest(),
                    kernel.kernelVersion(), kernel.agentVersion()), work);
            return kernel;
        });
    }

    /** Builds one layer: debootstrap for a base, else apt over {@code parent} and its lowers. */
    private RootfsImage buildRootfs(RootfsRecipe recipe, RootfsImage parent) {
        return inWorkDir(work -> {
            RootfsBuilder builder = new RootfsBuilder(root.resolve("debs").resolve("debootstrap"));
            Path layer = Files.createDirectories(work.resolve("layer"));
            Path tree = layer.resolve("tree");
            if (parent == null) {
                steps.run("debootstrap " + recipe.name(), () -> builder.debootstrap(recipe, tree));
            } else {
                LayerInstall install = new LayerInstall(root.resolve("debs").resolve("apt"));
                steps.run("install packages of " + recipe.name() + " over " + parent.name(),
                        () -> install.install(parent.stack(), recipe.packages(), work, tree));
            }
            steps.run("add files and scrub " + recipe.name(), () -> {
                builder.addFiles(recipe, tree);
                if (parent == null) {
                    builder.scrub(tree);
                } else {
                    builder.scrubLayer(tree);
                }
                LayerLayout.finish(layer, parent);
            });
            Path image = work.resolve("rootfs.erofs");
            steps.run("make erofs image " + recipe.name(), () -> ErofsImage.build(recipe.name(), layer, image));
            // The tree is large and no longer needed; remove it before hashing the image.
            steps.run("remove build tree " + recipe.name(), () -> WorkDirs.delete(layer));
            return publish(work, image, recipeKey(recipe, parent), recipe.name(), ".erofs",
                    recipe.packages().stream().sorted().toList());
        });
    }

    /**
     * Builds the writable disk: an empty ext4 of {@link #UPPER_BYTES} (sparse, so it costs
     * only its metadata) that every image's sandboxes write to through their own qcow2 layer.
     */
    private RootfsImage buildUpper() {
        return inWorkDir(work -> {
            Path layout = work.resolve("upper");
            LayerLayout.writable(layout);
            Path image = work.resolve("upper.ext4");
            steps.run("make writable disk", () -> Ext4Image.build(UPPER_NAME, layout, image, UPPER_BYTES));
            return publish(work, image, upperKey(), UPPER_NAME, ".ext4", List.of());
        });
    }

    /** Hashes {@code image}, renames it into rootfs/ by its digest and writes its index entry under {@code key}. */
    private RootfsImage publish(Path work, Path image, String key, String name, String suffix, List<String> packages)
            throws IOException {
        String sha = steps.run("hash image " + name, () -> Digests.sha256(image));
        Path published = Files.createDirectories(rootfs.dir()).resolve(name + "-" + sha + suffix);
        Files.move(image, published, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        var entry = new ImageIndex.RootfsEntry(key, name, packages, published.getFileName().toString(), sha,
                Files.size(published));
        rootfs.write(key, entry, work);
        return entry.toImage(rootfs.dir());
    }

    /** Digest of what decides the writable disk's bytes. */
    static String upperKey() {
        return Digests.sha256("builder " + BUILDER_VERSION + "\nwritable disk " + UPPER_BYTES + "\n");
    }

    /** Digest of everything that decides the kernel bundle's bytes, except the Debian package of the day. */
    static String kernelKey(AgentBinary agent) {
        return Digests.sha256("builder " + BUILDER_VERSION + "\n" + GuestInitramfs.inputsKey(agent));
    }

    /**
     * Digest of a layer's inputs: builder version, suite, sorted packages, files and programs
     * with their content (source) digests, and the image of the layer it is installed over (by digest, so a
     * rebuilt parent means a rebuilt child).
     */
    static String recipeKey(RootfsRecipe recipe, RootfsImage parent) {
        StringBuilder key = new StringBuilder("builder " + BUILDER_VERSION + "\nsuite " + RootfsBuilder.SUITE + "\n");
        key.append("name ").append(recipe.name()).append('\n');
        if (parent != null) {
            key.append("over ").append(parent.layersDigest()).append('\n');
        }
        recipe.packages().stream().sorted().distinct().forEach(p -> key.append("package ").append(p).append('\n'));
        recipe.files().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(f ->
                key.append("file ").append(f.getKey()).append(' ').append(Digests.sha256(f.getValue())).append('\n'));
        // Only layers with programs add these lines, so every other layer keeps its digest.
        recipe.programs().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(p ->
                key.append("program ").append(p.getKey()).append(' ').append(Digests.sha256(p.getValue()))
                        .append(" build ").append(GuestProgram.BUILD).append('\n'));
        return Digests.sha256(key.toString());
    }

    private interface Work<T> {
        T in(Path workDir) throws IOException;
    }

    private interface Locked<T> {
        T get() throws IOException;
    }

    private <T> T underLock(Locked<T> action) {
        try {
            Files.createDirectories(root);
            try (BuildLock lock = BuildLock.acquire(root)) {
                return action.get();
            }
        } catch (IOException e) {
            throw new ImageException(ImageException.Code.IO, "cannot build images in " + root + ": " + e.getMessage()
                    + "; check that the directory is writable and the disk has room", e);
        }
    }

    /** Runs a build in a fresh work directory, removed afterwards; call only under the build lock. */
    private <T> T inWorkDir(Work<T> work) {
        Path dir = null;
        try {
            WorkDirs.removeLeftovers(root);
            dir = WorkDirs.create(root);
            return work.in(dir);
        } catch (IOException e) {
            throw new ImageException(ImageException.Code.IO, "image build in " + root + " failed: " + e.getMessage(), e);
        } finally {
            if (dir != null) {
                WorkDirs.delete(dir);
            }
        }
    }
}
