package dev.thaw.sandbox;

import dev.thaw.images.BuildProgress;

/**
 * How a {@link ThawRuntime} is set up.
 *
 * @param accelerator {@code auto}, {@code kvm} or {@code tcg}
 */
public record RuntimeOptions(ThawHome home, String accelerator, int memoryMiB, int vcpus, BuildProgress progress) {

    public static final int DEFAULT_MEMORY_MIB = 512;

    public static RuntimeOptions defaults(ThawHome home) {
        return new RuntimeOptions(home, "auto", DEFAULT_MEMORY_MIB, 1, BuildProgress.NONE);
    }

    public RuntimeOptions withProgress(BuildProgress progress) {
        return new RuntimeOptions(home, accelerator, memoryMiB, vcpus, progress);
    }

    public RuntimeOptions withAccelerator(String accelerator) {
        return new RuntimeOptions(home, accelerator, memoryMiB, vcpus, progress);
    }
}
