package dev.thaw.sandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Per-VM run directories under one root, named {@code vm-<pid>-<n>} so that the directories
 * of a process that died (kill -9, power loss) can be told apart and removed.
 */
final class RunDirectories {

    private static final System.Logger LOG = System.getLogger(RunDirectories.class.getName());

    private final Path root;

    RunDirectories(Path root) {
        this.root = root;
    }

    /** A run directory; closing it deletes it and what is left inside. */
    record RunDir(Path path) implements AutoCloseable {
        @Override
        public void close() {
            deleteTree(path);
        }
    }

    RunDir create(String name) {
        try {
            return new RunDir(Files.createDirectories(root.resolve(name)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create run directory under " + root, e);
        }
    }

    /** Removes the run directories of processes that no longer exist. */
    int removeLeftovers() {
        if (!Files.isDirectory(root)) {
            return 0;
        }
        try (Stream<Path> dirs = Files.list(root)) {
            var dead = dirs.filter(dir -> !ownerAlive(dir.getFileName().toString())).toList();
            dead.forEach(RunDirectories::deleteTree);
            return dead.size();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot list " + root + ": " + e.getMessage());
            return 0;
        }
    }

    private static boolean ownerAlive(String name) {
        String[] parts = name.split("-");
        if (parts.length < 3 || !parts[0].equals("vm")) {
            return true; // not ours: leave it alone
        }
        try {
            return ProcessHandle.of(Long.parseLong(parts[1])).map(ProcessHandle::isAlive).orElse(false);
        } catch (NumberFormatException e) {
            return true;
        }
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException e) {
                    LOG.log(System.Logger.Level.WARNING, "cannot delete " + path + ": " + e.getMessage());
                }
            });
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot delete " + dir + ": " + e.getMessage());
        }
    }
}
