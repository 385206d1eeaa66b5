package dev.thaw.images;

import java.util.function.Supplier;

/**
 * Runs a build's named steps, timing each and reporting it through {@link BuildProgress};
 * a failure is rethrown with the step's name in front, so the user sees where the build stopped.
 */
final class StepRunner {

    private final BuildProgress progress;

    StepRunner(BuildProgress progress) {
        this.progress = progress;
    }

    void run(String step, Runnable action) {
        run(step, () -> {
            action.run();
            return null;
        });
    }

    <T> T run(String step, Supplier<T> action) {
        progress.step(step);
        long start = System.nanoTime();
        T result;
        try {
            result = action.get();
        } catch (ImageException e) {
            throw new ImageException(e.code(), step + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new ImageException(ImageException.Code.IO, step + ": " + e.getMessage(), e);
        }
        progress.done(step, (System.nanoTime() - start) / 1_000_000);
        return result;
    }
}
