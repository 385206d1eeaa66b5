package dev.thaw.cli;

import dev.thaw.images.RootfsImage;
import dev.thaw.sandbox.Language;
import dev.thaw.sandbox.ThawRuntime;
import dev.thaw.snapshot.Snapshot;
import dev.thaw.snapshot.SparseFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What is on disk for one language. Its image is its own layer over shared ones; {@code ownBytes}
 * is the disk its own layer occupies and {@code sharedBytes} that of the layers below. Each layer
 * is counted once, under the first language in the table that uses it, so that the languages'
 * figures add up to what is on disk.
 *
 * @param image    empty when the language's image is not built
 * @param snapshot empty when the language has no snapshot
 */
record LanguageDisk(Language language, Optional<RootfsImage> image, long ownBytes, long sharedBytes,
        Optional<Snapshot> snapshot) {

    /** Every language's, in table order: the order decides which language a shared layer is counted under. */
    static List<LanguageDisk> all(ThawRuntime runtime) {
        Set<String> counted = new HashSet<>();
        List<LanguageDisk> all = new ArrayList<>();
        for (Language language : runtime.languages().all()) {
            Optional<RootfsImage> image = runtime.cachedImage(language);
            long own = image.map(i -> newBytes(List.of(i), counted)).orElse(0L);
            long shared = image.map(i -> newBytes(i.shared(), counted)).orElse(0L);
            all.add(new LanguageDisk(language, image, own, shared, runtime.snapshot(language.id())));
        }
        return all;
    }

    /** The disk the language's own layer adds; empty without an image. */
    Optional<Long> addsBytes() {
        return image.map(i -> ownBytes);
    }

    /** {@link #addsBytes()} for people: "not built" without an image. */
    String adds() {
        return adds(addsBytes());
    }

    static String adds(Optional<Long> bytes) {
        return bytes.map(Sizes::human).orElse("not built");
    }

    long totalBytes() {
        return ownBytes + sharedBytes + snapshot.map(Snapshot::allocatedBytes).orElse(0L);
    }

    /** Disk of the layers in {@code layers} not counted yet; marks them counted. */
    private static long newBytes(List<RootfsImage> layers, Set<String> counted) {
        long bytes = 0;
        for (RootfsImage layer : layers) {
            if (counted.add(layer.sha256())) {
                bytes += allocated(layer);
            }
        }
        return bytes;
    }

    private static long allocated(RootfsImage layer) {
        try {
            return SparseFiles.allocatedBytes(layer.file());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
