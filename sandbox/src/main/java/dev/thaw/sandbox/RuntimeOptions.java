package dev.thaw.sandbox;

import dev.thaw.images.BuildProgress;
import dev.thaw.snapshot.StoreOptions;

/**
 * How a {@link ThawRuntime} is set up.
 *
 * @param accelerator        {@code auto}, {@code kvm} or {@code tcg}
 * @param storeCapacityBytes bound on the disk the snapshot store occupies; 0 for the default
 *                           (a share of the free disk)
 * @param sparse             keep memory files sparse (zero pages take no disk) and packed
 * @param unpackedCapacityBytes bound on the disk plain memory files of packed snapshots take
 * @param standbyVmms        how many VMM processes to keep started ahead for the next restores
 *                           of recently restored snapshots (see {@link StandbyVmms}); 0 for a
 *                           process that restores once and exits, where one would be waste
 */
public record RuntimeOptions(ThawHome home, String accelerator, int memoryMiB, int vcpus, BuildProgress progress,
        long storeCapacityBytes, boolean sparse, long unpackedCapacityBytes, int standbyVmms) {

    public static final int DEFAULT_MEMORY_MIB = 512;

    public static RuntimeOptions defaults(ThawHome home) {
        return new RuntimeOptions(home, "auto", DEFAULT_MEMORY_MIB, 1, BuildProgress.NONE, 0, true,
                StoreOptions.DEFAULT_UNPACKED_CAPACITY, 0);
    }

    public RuntimeOptions withProgress(BuildProgress progress) {
        return new RuntimeOptions(home, accelerator, memoryMiB, vcpus, progress, storeCapacityBytes, sparse,
                unpackedCapacityBytes, standbyVmms);
    }

    public RuntimeOptions withAccelerator(String accelerator) {
        return new RuntimeOptions(home, accelerator, memoryMiB, vcpus, progress, storeCapacityBytes, sparse,
                unpackedCapacityBytes, standbyVmms);
    }

    public RuntimeOptions withStore(long capacityBytes, boolean sparse, long unpackedCapacityBytes) {
        return new RuntimeOptions(home, accelerator, memoryMiB, vcpus, progress, capacityBytes, sparse,
                unpackedCapacityBytes, standbyVmms);
    }

    public RuntimeOptions withStandbyVmms(int standbyVmms) {
        if (standbyVmms < 0) {
            throw new IllegalArgumentException("standby VMMs must be 0 or more, not " + standbyVmms);
        }
        return new RuntimeOptions(home, accelerator, memoryMiB, vcpus, progress, storeCapacityBytes, sparse,
                unpackedCapacityBytes, standbyVmms);
    }
}
