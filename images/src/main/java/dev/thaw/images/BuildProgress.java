package dev.thaw.images;

/** Receives progress of long image builds, so the CLI can show it. Methods default to no-ops. */
public interface BuildProgress {

    BuildProgress NONE = new BuildProgress() {};

    /** A named step starts, e.g. "debootstrap python". */
    default void step(String name) {}

    /** A step finished after {@code millis}. */
    default void done(String name, long millis) {}
}
