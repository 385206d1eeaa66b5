package dev.thaw.sandbox;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Supplier;

/**
 * Runs a sequence of named steps: times each into {@link Timings}, names the step that
 * failed, and keeps an undo stack so that a failure releases, in reverse order, everything
 * acquired so far. Whoever completes the sequence takes ownership with {@link #keep()}.
 */
final class Steps implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Steps.class.getName());

    private final String what;
    private final Timings timings;
    private final Deque<AutoCloseable> undo = new ArrayDeque<>();

    Steps(String what, Timings timings) {
        this.what = what;
        this.timings = timings;
    }

    <T> T run(String step, Supplier<T> action) {
        long start = System.nanoTime();
        try {
            T result = action.get();
            long took = System.nanoTime() - start;
            timings.record(step, took);
            LOG.log(System.Logger.Level.DEBUG, "{0}: {1} took {2} ms", what, step, took / 1e6);
            return result;
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "{0}: step {1} failed: {2}", what, step, e.getMessage());
            throw Failures.translate(what + ", step '" + step + "'", e);
        }
    }

    void run(String step, Runnable action) {
        run(step, () -> {
            action.run();
            return null;
        });
    }

    /** Registers {@code resource} to be closed if a later step fails; returns it. */
    <T extends AutoCloseable> T onFailureClose(T resource) {
        undo.push(resource);
        return resource;
    }

    /** The sequence succeeded: the caller now owns what was acquired. */
    void keep() {
        undo.clear();
    }

    @Override
    public void close() {
        while (!undo.isEmpty()) {
            try {
                undo.pop().close();
            } catch (Exception e) {
                LOG.log(System.Logger.Level.WARNING, what + ": cleanup failed: " + e.getMessage(), e);
            }
        }
    }
}
