package dev.thaw.images;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/** Build work directories, {@code .build-PID-N}, so a crashed build's can be recognised and removed. */
final class WorkDirs {

    private static final AtomicLong SEQUENCE = new AtomicLong();

    private WorkDirs() {}

    static Path create(Path root) throws IOException {
        return Files.createDirectories(root.resolve(".build-" + ProcessHandle.current().pid() + "-"
                + SEQUENCE.incrementAndGet()));
    }

    static void removeLeftovers(Path root) throws IOException {
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path dir : dirs.filter(WorkDirs::ofDeadProcess).toList()) {
                delete(dir);
            }
        }
    }

    private static boolean ofDeadProcess(Path dir) {
        String[] parts = dir.getFileName().toString().split("-");
        if (parts.length != 3 || !parts[0].equals(".build")) {
            return false;
        }
        try {
            return ProcessHandle.of(Long.parseLong(parts[1])).map(p -> !p.isAlive()).orElse(true);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    static void delete(Path dir) {
        try {
            RootfsBuilder.deleteTree(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + dir, e);
        }
    }
}
