package dev.thaw.vmm;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A guest's root disk as layers: one writable copy-on-write layer on top, any number of
 * read-only layers below it (a snapshot's disk changes, then its diffs' changes) and a raw
 * base image at the bottom. The VMM is given every link of the chain explicitly instead
 * of following the names recorded inside the layers, so a layer made in another Thaw home
 * works here as long as this home has the same base image, wherever it keeps it.
 *
 * @param top    the guest's writes land here; created by {@link Vmm#createLayer}
 * @param layers read-only layers from the one just below {@code top} down to the one just
 *               above {@code base}
 * @param base   the raw root filesystem image, never written
 * @param lowerImages read-only disks attached beside the root disk: the root filesystem's
 *               lower layers, which the guest stacks under {@code base} with overlayfs
 */
public record DiskChain(Path top, List<Path> layers, Path base, List<ReadOnlyDisk> lowerImages) {

    public DiskChain {
        Objects.requireNonNull(top, "top");
        Objects.requireNonNull(base, "base");
        layers = List.copyOf(layers);
        lowerImages = List.copyOf(lowerImages);
    }

    public DiskChain(Path top, List<Path> layers, Path base) {
        this(top, layers, base, List.of());
    }

    /** A disk with no layers between the guest's writes and the base image. */
    public static DiskChain over(Path base, Path top) {
        return new DiskChain(top, List.of(), base);
    }

    /** This chain with {@code disks} attached beside it. */
    public DiskChain withLowerImages(List<ReadOnlyDisk> disks) {
        return new DiskChain(top, layers, base, disks);
    }

    /** This chain with {@code newTop} on top and the current top made read-only below it. */
    public DiskChain withTop(Path newTop) {
        List<Path> below = new ArrayList<>(layers.size() + 1);
        below.add(top);
        below.addAll(layers);
        return new DiskChain(newTop, below, base, lowerImages);
    }
}
