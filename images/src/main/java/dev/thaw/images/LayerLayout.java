package dev.thaw.images;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What a layer image holds besides its files, for the guest's /init: the files under
 * {@code tree/}, an empty {@code work/} that overlayfs needs beside its upper directory
 * (the top layer is the writable one), and {@code lowers}, the serials of the disks to
 * stack under it, nearest first. Keeping the list in the layer ties a snapshot's disk to
 * the layers it was built on, and the guest refuses to start on a disk it cannot find.
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
            Files.createDirectories(layer.resolve("work"));
            Files.writeString(layer.resolve("lowers"), serials);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lay out the layer in " + layer, e);
        }
    }
}
