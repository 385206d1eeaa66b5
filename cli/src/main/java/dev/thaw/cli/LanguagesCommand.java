package dev.thaw.cli;

import dev.thaw.images.RootfsImage;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/** Every language with its versions and what is on disk for it (see {@link LanguageDisk}). */
@Command(name = "languages", mixinStandardHelpOptions = true,
        description = "Lists the languages: ids, aliases, Debian versions, image layers and snapshot state.")
final class LanguagesCommand implements Callable<Integer> {

    private static final String ROW = "%-13s %-24s %-12s %-10s %-10s %-28s %s%n";

    @ParentCommand
    ThawCommand thaw;

    @Override
    public Integer call() {
        System.out.printf(ROW, "ID", "ALIASES", "VERSION", "ADDS", "SHARED", "LAYERS", "SNAPSHOT");
        List<LanguageDisk> all = LanguageDisk.all(thaw.runtime());
        for (LanguageDisk disk : all) {
            var language = disk.language();
            System.out.printf(ROW, language.id(), String.join(",", language.aliases()), language.version(),
                    disk.adds(), Sizes.human(disk.sharedBytes()), disk.image().map(LanguagesCommand::layers).orElse("-"),
                    disk.snapshot().map(s -> Sizes.human(s.allocatedBytes())).orElse("none"));
        }
        long total = all.stream().mapToLong(LanguageDisk::totalBytes).sum();
        System.out.println("images and snapshots on disk in all: " + Sizes.human(total));
        return 0;
    }

    private static String layers(RootfsImage image) {
        StringBuilder names = new StringBuilder(image.name());
        image.lowers().forEach(lower -> names.append('>').append(lower.name()));
        return names.toString();
    }
}
