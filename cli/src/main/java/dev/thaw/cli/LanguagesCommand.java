package dev.thaw.cli;

import dev.thaw.images.RootfsImage;
import dev.thaw.sandbox.Language;
import dev.thaw.sandbox.ThawRuntime;
import dev.thaw.snapshot.SparseFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/**
 * Every language with its versions and what is on disk for it. A language's image is its
 * own layer over shared ones; "adds" is the disk its own layer occupies, and a shared layer
 * is counted once, under the first language that uses it.
 */
@Command(name = "languages", mixinStandardHelpOptions = true,
        description = "Lists the languages: ids, aliases, Debian versions, image layers and snapshot state.")
final class LanguagesCommand implements Callable<Integer> {

    private static final String ROW = "%-13s %-24s %-12s %-10s %-10s %-28s %s%n";

    @ParentCommand
    ThawCommand thaw;

    @Override
    public Integer call() {
        ThawRuntime runtime = thaw.runtime();
        System.out.printf(ROW, "ID", "ALIASES", "VERSION", "ADDS", "SHARED", "LAYERS", "SNAPSHOT");
        Set<String> counted = new HashSet<>();
        long total = 0;
        for (Language language : runtime.languages().all()) {
            Optional<RootfsImage> image = runtime.cachedImage(language);
            long own = image.map(i -> newBytes(List.of(i), counted)).orElse(0L);
            long shared = image.map(i -> newBytes(i.lowers(), counted)).orElse(0L);
            total += own + shared;
            String snapshot = runtime.snapshot(language.id())
                    .map(s -> Sizes.human(s.allocatedBytes())).orElse("none");
            total += runtime.snapshot(language.id()).map(s -> s.allocatedBytes()).orElse(0L);
            System.out.printf(ROW, language.id(), String.join(",", language.aliases()), language.version(),
                    image.isPresent() ? Sizes.human(own) : "not built", Sizes.human(shared),
                    image.map(LanguagesCommand::layers).orElse("-"), snapshot);
        }
        System.out.println("images and snapshots on disk in all: " + Sizes.human(total));
        return 0;
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

    private static String layers(RootfsImage image) {
        StringBuilder names = new StringBuilder(image.name());
        image.lowers().forEach(lower -> names.append('>').append(lower.name()));
        return names.toString();
    }
}
