package dev.thaw.snapshot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Pins as files: {@code .pins/ID/PID-N}, one per holder. A file is the simplest record that
 * other Thaw processes on the host see, and naming the holder's process lets a pin left by
 * a killed process be told apart from a live one and removed.
 */
final class Pins {

    private static final System.Logger LOG = System.getLogger(Pins.class.getName());
    private static final AtomicLong SEQUENCE = new AtomicLong();

    private final Path dir;
    private final StoreLock lock;

    /** @param lock held while a pin is taken, so no eviction chooses its snapshot meanwhile */
    Pins(Path storeRoot, StoreLock lock) {
        this.dir = storeRoot.resolve(".pins");
        this.lock = lock;
    }

    SnapshotPin pin(String id) {
        Path file = dir.resolve(id).resolve(ProcessHandle.current().pid() + "-" + SEQUENCE.incrementAndGet());
        try {
            lock.holding(() -> Files.createFile(Files.createDirectories(file.getParent()).resolve(file.getFileName())));
        } catch (IOException e) {
            throw StoreFailures.io("cannot pin snapshot '" + id + "'", file.getParent(), e);
        }
        return () -> {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "cannot unpin " + file + ": " + e);
            }
        };
    }

    /** Whether a live process holds a pin on {@code id}; pins of dead processes are removed. */
    boolean isPinned(String id) {
        Path pins = dir.resolve(id);
        if (!Files.isDirectory(pins)) {
            return false;
        }
        boolean pinned = false;
        try (Stream<Path> files = Files.list(pins)) {
            for (Path pin : files.toList()) {
                if (holderAlive(pin.getFileName().toString())) {
                    pinned = true;
                } else {
                    Files.deleteIfExists(pin);
                }
            }
        } catch (IOException e) {
            return true; // cannot tell: keeping a snapshot is the safe answer
        }
        return pinned;
    }

    private static boolean holderAlive(String name) {
        int dash = name.indexOf('-');
        try {
            long pid = Long.parseLong(dash < 0 ? name : name.substring(0, dash));
            return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        } catch (NumberFormatException e) {
            return false; // not a pin of ours
        }
    }
}
