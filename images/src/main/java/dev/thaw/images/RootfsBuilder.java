package dev.thaw.images;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Builds a language's root filesystem: Debian's minbase from debootstrap, the language's
 * packages, Thaw's files, with the run-specific leftovers of package installation removed.
 */
final class RootfsBuilder {

    static final String SUITE = "bookworm";
    static final String DEFAULT_MIRROR = "http://deb.debian.org/debian";

    /**
     * Files that record when or where a build ran, not what it installed. Found by diffing two
     * debootstraps of one recipe: only the logs and ldconfig's aux-cache differed (compiled
     * Python files did not); the backups and caches go because nothing in a sandbox needs them.
     * /dev and /run are emptied because the guest mounts devtmpfs and tmpfs over them.
     */
    private static final List<String> SCRUB = List.of("var/log", "var/cache/apt", "var/lib/apt/lists",
            "var/cache/ldconfig/aux-cache", "var/cache/debconf/config.dat-old", "var/cache/debconf/templates.dat-old",
            "var/lib/dpkg/available-old", "var/lib/dpkg/status-old", "var/lib/dpkg/diversions-old", "run", "dev",
            "etc/passwd-", "etc/group-", "etc/shadow-", "etc/gshadow-", "etc/subuid-", "etc/subgid-");
    /** Mount points /init uses inside the root disk. */
    private static final List<String> MOUNT_POINTS = List.of("proc", "sys", "dev", "tmp");
    /** A day (2023-11-14, like the image timestamps) for the password-change field of /etc/shadow. */
    private static final String SHADOW_DAY = Long.toString(Ext4Image.EPOCH_SECONDS / 86_400);

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
            recipe.programs().forEach((path, source) ->
                    GuestProgram.compile(source, tree.resolve(path.replaceFirst("^/+", ""))));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot add Thaw's files to " + tree, e);
        }
    }

    /** Removes logs, caches and backups, empties machine-id, pins password-change dates, makes /tmp 1777. */
    void scrub(Path tree) {
        scrubLayer(tree);
        try {
            for (String dir : MOUNT_POINTS) {
                Files.createDirectories(tree.resolve(dir));
            }
            // The agent runs programs as uid 1000 in /tmp/thaw/..., so /tmp must be world-writable and sticky.
            HostCommand.run(List.of("chmod", "1777", tree.resolve("tmp").toString()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clean " + tree, e);
        }
    }

    /**
     * The part of {@link #scrub} that also applies to a layer installed over others: it works
     * on the layer's own files only, so removing one shows the lower layer's (already clean) copy.
     */
    void scrubLayer(Path tree) {
        try {
            for (String path : SCRUB) {
                emptyOrDelete(tree.resolve(path));
            }
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
                fields[2] = SHADOW_DAY;
            }
            out.append(String.join(":", fields)).append('\n');
        }
        Files.writeString(shadow, out);
    }

    private static void emptyOrDelete(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            try (Stream<Path> children = Files.list(path)) {
                for (Path child : children.toList()) {
                    WorkDirs.deleteTree(child);
                }
            }
        } else {
            Files.deleteIfExists(path);
        }
    }

    private static String mirror() {
        String env = System.getenv("THAW_DEBIAN_MIRROR");
        return env == null || env.isBlank() ? DEFAULT_MIRROR : env;
    }
}
