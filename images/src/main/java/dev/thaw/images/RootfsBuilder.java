package dev.thaw.images;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Builds a language's root filesystem: Debian's minbase from debootstrap, the language's
 * packages, Thaw's files, with the run-specific leftovers of package installation removed.
 */
final class RootfsBuilder {

    static final String SUITE = "bookworm";
    static final String DEFAULT_MIRROR = "http://deb.debian.org/debian";

    /** Files that record when or where a build ran, not what it installed. */
    private static final List<String> SCRUB = List.of("var/log", "var/cache/apt", "var/lib/apt/lists",
            "var/cache/ldconfig", "var/cache/debconf", "run", "var/lib/dpkg/available-old", "var/lib/dpkg/status-old",
            "var/lib/dpkg/diversions-old", "etc/passwd-", "etc/group-", "etc/shadow-", "etc/gshadow-");

    private final Path debCache;

    RootfsBuilder(Path debCache) {
        this.debCache = debCache;
    }

    void debootstrap(RootfsRecipe recipe, Path tree) {
        try {
            Files.createDirectories(debCache);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> command = new ArrayList<>(List.of("debootstrap", "--variant=minbase",
                "--cache-dir=" + debCache.toAbsolutePath()));
        if (!recipe.packages().isEmpty()) {
            command.add("--include=" + String.join(",", recipe.packages().stream().sorted().toList()));
        }
        command.addAll(List.of(SUITE, tree.toString(), mirror()));
        HostCommand.run(command);
    }

    void addFiles(RootfsRecipe recipe, Path tree) {
        try {
            for (var file : recipe.files().entrySet()) {
                Path target = tree.resolve(file.getKey().replaceFirst("^/+", ""));
                Files.createDirectories(target.getParent());
                Files.writeString(target, file.getValue());
                String mode = file.getValue().startsWith("#!") ? "rwxr-xr-x" : "rw-r--r--";
                Files.setPosixFilePermissions(target, PosixFilePermissions.fromString(mode));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot add Thaw's files to " + tree, e);
        }
    }

    /** Removes logs, caches and backups, empties machine-id and pins password-change dates. */
    void scrub(Path tree) {
        try {
            for (String path : SCRUB) {
                emptyOrDelete(tree.resolve(path));
            }
            deletePycache(tree);
            Path machineId = tree.resolve("etc/machine-id");
            if (Files.exists(machineId)) {
                Files.writeString(machineId, "");
            }
            pinShadowDates(tree.resolve("etc/shadow"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clean " + tree, e);
        }
    }

    /** /etc/shadow's third field is the day the password last changed: the build day. */
    private static void pinShadowDates(Path shadow) throws IOException {
        if (!Files.exists(shadow)) {
            return;
        }
        StringBuilder out = new StringBuilder();
        for (String line : Files.readAllLines(shadow)) {
            String[] fields = line.split(":", -1);
            if (fields.length > 2 && !fields[2].isEmpty()) {
                fields[2] = "19675";
            }
            out.append(String.join(":", fields)).append('\n');
        }
        Files.writeString(shadow, out);
    }

    private static void emptyOrDelete(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            try (Stream<Path> children = Files.list(path)) {
                for (Path child : children.toList()) {
                    deleteTree(child);
                }
            }
        } else {
            Files.deleteIfExists(path);
        }
    }

    private static void deletePycache(Path tree) throws IOException {
        try (Stream<Path> paths = Files.walk(tree)) {
            for (Path dir : paths.filter(p -> p.getFileName() != null && p.getFileName().toString().equals("__pycache__")
                    && Files.isDirectory(p)).toList()) {
                deleteTree(dir);
            }
        }
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    private static String mirror() {
        String env = System.getenv("THAW_DEBIAN_MIRROR");
        return env == null || env.isBlank() ? DEFAULT_MIRROR : env;
    }
}
