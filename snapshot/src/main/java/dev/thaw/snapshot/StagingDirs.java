package dev.thaw.snapshot;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Directories a store writes before anything is visible: {@code .staging-ID-PID-N} for a
 * snapshot being made and {@code .trash-ID-PID-N} for one being removed. The owning PID
 * lets a later process remove a crashed one's leftovers without touching live work.
 */
final class StagingDirs {

    private static final AtomicLong SEQUENCE = new AtomicLong();
    private static final System.Logger LOG = System.getLogger(StagingDirs.class.getName());

    private StagingDirs() {}

    static Path create(Path root, String id) throws IOException {
        return Files.createDirectory(root.resolve(".staging-" + id + "-" + suffix()));
    }

    static Path trashName(Path root, String id) {
        return root.resolve(".trash-" + id + "-" + suffix());
    }

    private static String suffix() {
        return ProcessHandle.current().pid() + "-" + SEQUENCE.incrementAndGet();
    }

    static void removeLeftovers(Path root) {
        if (!Files.isDirectory(root)) {
            return;
        }
        try (Stream<Path> dirs = Files.list(root)) {
            dirs.filter(StagingDirs::ofDeadProcess).forEach(StagingDirs::delete);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot look for leftovers in " + root + ": " + e.getMessage());
        }
    }

    private static boolean ofDeadProcess(Path dir) {
        String name = dir.getFileName().toString();
        if (!name.startsWith(".staging-") && !name.startsWith(".trash-")) {
            return false;
        }
        String[] parts = name.split("-");
        try {
            long pid = Long.parseLong(parts[parts.length - 2]);
            return ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true);
        } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
            return false;
        }
    }

    static void delete(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot delete " + dir + ": " + e.getMessage());
        }
    }

    /** Makes a rename or a file's content durable. */
    static void fsync(Path path) throws IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }
}
