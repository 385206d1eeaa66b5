package dev.thaw.snapshot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Disk blocks taken by everything under a directory. */
final class StoreUsage {

    private StoreUsage() {}

    static long allocatedUnder(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        long total = 0;
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                total += FileFacts.allocatedBytes(file);
            }
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause(); // a file removed while walking
        }
        return total;
    }
}
