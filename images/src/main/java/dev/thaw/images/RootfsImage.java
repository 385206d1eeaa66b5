package dev.thaw.images;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A root filesystem layer: a read-only EROFS image named by its sha256, never modified. Its
 * files are under {@code /tree}; {@code /lowers} lists the serials of the layers below. A
 * sandbox's writes land on {@code upper}, an empty ext4 disk every image shares, which the
 * guest's overlayfs takes as its upper directory.
 *
 * @param lowers the layers below this one, nearest first; empty for a base layer
 * @param upper  the writable disk's image; null for a layer on its own (a lower, or one in the
 *               making)
 */
public record RootfsImage(String name, Path file, String sha256, long sizeBytes, List<RootfsImage> lowers,
        RootfsImage upper) {

    /** Virtio-blk serials hold at most 20 bytes. */
    static final int SERIAL_LENGTH = 20;
    /** The guest's /init finds the language's own layer by this serial, and its lowers by theirs. */
    public static final String TOP_LAYER_SERIAL = "thaw-layer";

    public RootfsImage {
        lowers = List.copyOf(lowers);
    }

    public RootfsImage(String name, Path file, String sha256, long sizeBytes, List<RootfsImage> lowers) {
        this(name, file, sha256, sizeBytes, lowers, null);
    }

    public RootfsImage(String name, Path file, String sha256, long sizeBytes) {
        this(name, file, sha256, sizeBytes, List.of());
    }

    /** The serial the guest finds this layer's disk by: a prefix of its digest. */
    public String serial() {
        return sha256.substring(0, SERIAL_LENGTH);
    }

    /**
     * The digest a snapshot records: one over every layer's and the writable disk's, so a
     * snapshot goes stale when any of them changes (its disk changes sit on the writable disk).
     */
    public String stackDigest() {
        if (upper == null) {
            return layersDigest();
        }
        return Digests.sha256("stack\n" + layersDigest() + "\nupper " + upper.sha256() + "\n");
    }

    /** The digest of the layers alone: the image's own for a single layer, else one over every layer's. */
    String layersDigest() {
        if (lowers.isEmpty()) {
            return sha256;
        }
        List<String> all = new ArrayList<>();
        all.add(sha256);
        lowers.forEach(lower -> all.add(lower.sha256()));
        return Digests.sha256("layers\n" + String.join("\n", all) + "\n");
    }

    /** The raw image under a sandbox's copy-on-write root disk: the writable disk. */
    public Path rootDisk() {
        if (upper == null) {
            throw new IllegalStateException("image " + name + " has no writable disk; build it with ImageBuilder.rootfs");
        }
        return upper.file();
    }

    /** This layer on top of {@code parent} and everything under it. */
    RootfsImage over(RootfsImage parent) {
        return new RootfsImage(name, file, sha256, sizeBytes, parent.stack(), upper);
    }

    /** This image with {@code writable} as the disk its sandboxes write to. */
    RootfsImage withUpper(RootfsImage writable) {
        return new RootfsImage(name, file, sha256, sizeBytes, lowers, writable);
    }

    /** Every layer of this image, this one first, each without its lowers. */
    public List<RootfsImage> stack() {
        List<RootfsImage> all = new ArrayList<>();
        all.add(new RootfsImage(name, file, sha256, sizeBytes));
        all.addAll(lowers);
        return all;
    }

    /** What this image shares with others: its lowers and the writable disk. */
    public List<RootfsImage> shared() {
        List<RootfsImage> all = new ArrayList<>(lowers);
        if (upper != null) {
            all.add(upper);
        }
        return all;
    }
}
