package dev.thaw.images;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What a disk holds besides its files, for the guest's /init. A layer: its files under
 * {@code tree/} and {@code lowers}, the serials of the layers to stack under it, nearest
 * first; keeping the list in the layer ties a snapshot to the layers it was built on, and
 * the guest refuses to start on a disk it cannot find. The writable disk: an empty
 * {@code tree/} for overlayfs's upper directory and the empty {@code work/} it needs beside it.
 */
final class LayerLayout {

    private LayerLayout() {}

    /** Completes {@code layer} (whose {@code tree/} is filled) for a layer over {@code parent}, or a base. */
    static void finish(Path layer, RootfsImage parent) {
        List<RootfsImage> lowers = parent == null ? List.of() : parent.stack();
        StringBuilder serials = new StringBuilder();
        lowers.forEach(lower -> serials.append(lower.serial()).append('\n'));
        try {
            Files.createDirectories(layer.resolve("tree"));
            Files.writeString(layer.resolve("lowers"), serials);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lay out the layer in " + layer, e);
        }
    }

    /** Lays out the writable disk's directories in {@code upper}. */
    static void writable(Path upper) {
        try {
            Files.createDirectories(upper.resolve("tree"));
            Files.createDirectories(upper.resolve("work"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lay out the writable disk in " + upper, e);
        }
    }
}
