package dev.thaw.snapshot;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Directories a store writes before anything is visible: {@code .staging-ID-PID-N} for a
 * snapshot being made and {@code .trash-ID-PID-N} for one being removed; and files written
 * inside a snapshot's directory before they are renamed into place, {@code .PURPOSE-PID-N.tmp}
 * (memory being unpacked or assembled, the verified-files record). The owning PID lets a
 * later process remove a crashed one's leftovers without touching live work; a PID reused by
 * an unrelated process only delays that cleanup, it never deletes live work.
 */
final class StagingDirs {

    private static final String TEMP_SUFFIX = ".tmp";
    private static final AtomicLong SEQUENCE = new AtomicLong();
    private static final System.Logger LOG = System.getLogger(StagingDirs.class.getName());

    private StagingDirs() {}

    static Path create(Path root, String id) throws IOException {
        return Files.createDirectory(root.resolve(".staging-" + id + "-" + suffix()));
    }

    static Path trashName(Path root, String id) {
        return root.resolve(".trash-" + id + "-" + suffix());
    }

    /** A new empty file in a snapshot's directory {@code dir}, to be renamed into place. */
    static Path tempFile(Path dir, String purpose) throws IOException {
        return Files.createFile(dir.resolve("." + purpose + "-" + suffix() + TEMP_SUFFIX));
    }

    private static String suffix() {
        return ProcessHandle.current().pid() + "-" + SEQUENCE.incrementAndGet();
    }

    static void removeLeftovers(Path root) {
        if (!Files.isDirectory(root)) {
            return;
        }
        try (Stream<Path> entries = Files.list(root)) {
            for (Path entry : entries.toList()) {
                String name = entry.getFileName().toString();
                if (name.startsWith(".staging-") || name.startsWith(".trash-")) {
                    removeIfOfDeadProcess(entry, name);
                } else if (!name.startsWith(".") && Files.isDirectory(entry)) {
                    removeTempFiles(entry);
                }
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot look for leftovers in " + root + ": " + e.getMessage());
        }
    }

    private static void removeTempFiles(Path snapshotDir) throws IOException {
        try (Stream<Path> files = Files.list(snapshotDir)) {
            for (Path file : files.toList()) {
                String name = file.getFileName().toString();
                if (name.startsWith(".") && name.endsWith(TEMP_SUFFIX)) {
                    removeIfOfDeadProcess(file, name.substring(0, name.length() - TEMP_SUFFIX.length()));
                }
            }
        }
    }

    /** {@code name} ends in {@code -PID-N}: removes {@code path} if that process is gone. */
    private static void removeIfOfDeadProcess(Path path, String name) {
        String[] parts = name.split("-");
        try {
            long pid = Long.parseLong(parts[parts.length - 2]);
            if (ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true)) {
                delete(path);
            }
        } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
            // not one of ours
        }
    }

    /**
     * Makes {@code staging} visible as {@code target} with one rename. Without {@code replace}
     * an existing target fails the rename; with it the two are swapped atomically, so
     * readers see the old snapshot or the new one and never neither, and the old one is
     * deleted afterwards.
     *
     * @throws FileAlreadyExistsException if {@code target} exists and {@code replace} is false
     */
    static void publish(Path staging, Path target, boolean replace) throws IOException {
        if (replace) {
            int rc = Libc.rename(staging, target, Libc.RENAME_EXCHANGE);
            if (rc == 0) {
                fsync(target.getParent());
                delete(staging); // it now holds the replaced snapshot
                return;
            }
            if (rc == Libc.EINVAL || rc == Libc.ENOSYS) {
                replaceWithoutExchange(staging, target);
                return;
            }
            if (rc != Libc.ENOENT) {
                throw failed("replace", staging, target, rc);
            }
            // ENOENT: nothing to replace, so a plain publish below
        }
        renameNoReplace(staging, target);
        fsync(target.getParent());
    }

    private static void renameNoReplace(Path staging, Path target) throws IOException {
        int rc = Libc.rename(staging, target, Libc.RENAME_NOREPLACE);
        if (rc == Libc.EINVAL || rc == Libc.ENOSYS) {
            // rename(2) would silently replace an empty directory; a non-empty one fails it
            if (Files.exists(target)) {
                throw new FileAlreadyExistsException(target.toString());
            }
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        } else if (rc == Libc.EEXIST) {
            throw new FileAlreadyExistsException(target.toString());
        } else if (rc != 0) {
            throw failed("publish", staging, target, rc);
        }
    }

    /** For file systems without RENAME_EXCHANGE: a short moment with no snapshot visible. */
    private static void replaceWithoutExchange(Path staging, Path target) throws IOException {
        Path old = trashName(target.getParent(), target.getFileName().toString());
        Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
        try {
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            Files.move(old, target, StandardCopyOption.ATOMIC_MOVE);
            throw e;
        }
        fsync(target.getParent());
        delete(old);
    }

    private static IOException failed(String what, Path staging, Path target, int errno) {
        return new IOException("cannot " + what + " " + target + " by renaming " + staging + ": errno " + errno);
    }

    /** Deletes a directory tree or a file; a failure is logged, as the leftover sweep will retry it. */
    static void delete(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
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
