package dev.thaw.snapshot;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Makes taking a pin and choosing-and-hiding an eviction victim exclusive, across threads
 * (one lock per store in this JVM) and processes (a lock on {@code .pins/.lock}, beside the
 * pins it guards).
 * Without it, an evictor that read the pins a moment before a restore pinned a snapshot
 * would delete the snapshot under that restore. Held for milliseconds: a file creation, or
 * a listing and a rename; the slow delete of a victim happens after.
 */
final class StoreLock {

    /** The JVM allows one file lock per file and process, so threads queue here first. */
    private static final ConcurrentMap<Path, ReentrantLock> IN_THIS_JVM = new ConcurrentHashMap<>();

    private final Path file;
    private final ReentrantLock local;

    StoreLock(Path root) {
        this.file = root.resolve(".pins").resolve(".lock");
        this.local = IN_THIS_JVM.computeIfAbsent(file, f -> new ReentrantLock());
    }

    interface Action<T> {
        T run() throws IOException;
    }

    /** Runs {@code action} holding the lock; a thread that holds it already just runs it. */
    <T> T holding(Action<T> action) throws IOException {
        if (local.isHeldByCurrentThread()) {
            return action.run();
        }
        local.lock();
        try {
            Files.createDirectories(file.getParent());
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                    FileLock held = channel.lock()) {
                return action.run();
            }
        } finally {
            local.unlock();
        }
    }
}
