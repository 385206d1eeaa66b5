package dev.thaw.images;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A root filesystem layer: a raw ext4 image named by its sha256, never modified. Its files
 * are under {@code /tree}; {@code /work} is the empty work directory overlayfs needs when
 * the layer is the writable one, and {@code /lowers} lists the serials of the layers below.
 *
 * @param lowers the layers below this one, nearest first; empty for a base layer
 */
public record RootfsImage(String name, Path file, String sha256, long sizeBytes, List<RootfsImage> lowers) {

    /** Virtio-blk serials hold at most 20 bytes. */
    static final int SERIAL_LENGTH = 20;

    public RootfsImage {
        lowers = List.copyOf(lowers);
    }

    public RootfsImage(String name, Path file, String sha256, long sizeBytes) {
        this(name, file, sha256, sizeBytes, List.of());
    }

    /** The serial the guest finds this layer's disk by: a prefix of its digest. */
    public String serial() {
        return sha256.substring(0, SERIAL_LENGTH);
    }

    /**
     * The digest a snapshot records: the image's own for a single layer, else one over every
     * layer's, so a snapshot goes stale when any layer under it changes.
     */
    public String stackDigest() {
        if (lowers.isEmpty()) {
            return sha256;
        }
        List<String> all = new ArrayList<>();
        all.add(sha256);
        lowers.forEach(lower -> all.add(lower.sha256()));
        return Digests.sha256("layers\n" + String.join("\n", all) + "\n");
    }

    /** This layer on top of {@code parent} and everything under it. */
    RootfsImage over(RootfsImage parent) {
        return new RootfsImage(name, file, sha256, sizeBytes, parent.stack());
    }

    /** Every layer of this image, this one first, each without its lowers. */
    public List<RootfsImage> stack() {
        List<RootfsImage> all = new ArrayList<>();
        all.add(new RootfsImage(name, file, sha256, sizeBytes));
        all.addAll(lowers);
        return all;
    }
}
