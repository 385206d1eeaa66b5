package dev.thaw.sandbox;

import dev.thaw.images.RootfsRecipe;
import java.util.List;
import java.util.Map;

/**
 * A language Thaw runs: the Debian packages its image needs and how the guest agent runs
 * a program written in it.
 *
 * @param version    the version Debian bookworm ships, as people name it (for listings and
 *                   Piston clients)
 * @param codeFile   name the program is saved under in its working directory
 * @param argv       command that runs the program; {@code {file}} stands for its path
 * @param resident   true when the image keeps an interpreter loaded and waiting
 *                   ({@code /etc/thaw/resident}), so runs skip interpreter start-up
 * @param imageFiles files added to the image, by path inside it
 * @param hello      a program that prints {@code hello}: the path most programs take, which
 *                   warms a pooled sandbox before it waits
 */
public record Language(
        String id,
        String version,
        List<String> aliases,
        List<String> packages,
        String codeFile,
        List<String> argv,
        boolean resident,
        Map<String, String> imageFiles,
        String hello) {

    public Language {
        aliases = List.copyOf(aliases);
        packages = List.copyOf(packages);
        argv = List.copyOf(argv);
        imageFiles = Map.copyOf(imageFiles);
    }

    public boolean answersTo(String name) {
        return id.equals(name) || aliases.contains(name);
    }

    public RootfsRecipe recipe() {
        return new RootfsRecipe(id, packages, imageFiles);
    }
}
