package dev.thaw.cli;

import dev.thaw.images.BuildProgress;
import java.util.Locale;

/** Shows long preparation steps (image builds, snapshot creation) on stderr. */
final class StderrProgress implements BuildProgress {

    @Override
    public void step(String name) {
        System.err.println("thaw: " + name + " ...");
    }

    @Override
    public void done(String name, long millis) {
        System.err.println(String.format(Locale.ROOT, "thaw: %s done in %.1f s", name, millis / 1000.0));
    }
}
