package dev.thaw.images;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Build work directories, {@code .build-PID-N} under the images directory. Builds run under
 * {@link BuildLock}, so whoever holds the lock knows every other work directory is the
 * leftover of a build that crashed, and removes it.
 */
final class WorkDirs {

    private static final AtomicLong SEQUENCE = new AtomicLong();
    private static final String PREFIX = ".build-";

    private WorkDirs() {}

    static Path create(Path root) throws IOException {
        return Files.createDirectories(root.resolve(PREFIX + ProcessHandle.current().pid() + "-"
                + SEQUENCE.incrementAndGet()));
    }

    /** Removes every work directory under {@code root}; call only while holding the build lock. */
    static void removeLeftovers(Path root) throws IOException {
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path dir : dirs.filter(d -> d.getFileName().toString().startsWith(PREFIX)).toList()) {
                delete(dir);
            }
        }
    }

    /**
     * Deletes {@code dir}. A debootstrap killed halfway can leave /proc or /sys mounted in its
     * tree; those are unmounted first, so the walk never descends into the host's own.
     */
    static void delete(Path dir) {
        try {
            Path real = dir.toAbsolutePath().normalize();
            for (String mount : mountsUnder(real)) {
                HostCommand.run(List.of("umount", "-l", mount));
            }
            deleteTree(real);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + dir, e);
        }
    }

    /** Mount points at or below {@code dir}, deepest first, from /proc/self/mounts. */
    static List<String> mountsUnder(Path dir) throws IOException {
        Path mounts = Path.of("/proc/self/mounts");
        if (!Files.exists(mounts)) {
            return List.of();
        }
        String prefix = dir.toString();
        return Files.readAllLines(mounts).stream()
                .map(line -> line.split(" ")[1].replace("\\040", " "))
                .filter(point -> point.equals(prefix) || point.startsWith(prefix + "/"))
                .sorted(Comparator.comparingInt(String::length).reversed())
                .toList();
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
