package dev.thaw.snapshot;

import java.nio.file.Path;

/** The layout of one snapshot directory. */
public record SnapshotFiles(Path dir) {

    public static final String MANIFEST = "manifest.json";
    public static final String MEMORY = "memory";
    public static final String VMSTATE = "vmstate";
    public static final String DISK = "disk.qcow2";
    public static final String MEMORY_PAGES = "memory.pages";
    public static final String ASSEMBLED_MEMORY = "memory.assembled";
    public static final String PACKED_MEMORY = "memory.packed";

    public Path manifest() {
        return dir.resolve(MANIFEST);
    }

    /**
     * Guest RAM, a sparse file: pages the guest never touched are holes. Of a diff snapshot,
     * only the pages that changed since its parent; the others are holes.
     */
    public Path memory() {
        return dir.resolve(MEMORY);
    }

    /**
     * Of a full snapshot in a sparse store: {@link #memory()} compressed ({@link PackedMemory}),
     * kept always. Derived from the memory the manifest describes, so not in the manifest
     * itself; while no restore needs it, the plain memory file may be gone.
     */
    public Path packedMemory() {
        return dir.resolve(PACKED_MEMORY);
    }

    /** Device state written by the VMM (migration stream without RAM). */
    public Path vmstate() {
        return dir.resolve(VMSTATE);
    }

    /**
     * The guest's disk changes: blocks written since the root filesystem image (named by its
     * sha256 in the manifest), or, of a diff snapshot, since its parent.
     */
    public Path disk() {
        return dir.resolve(DISK);
    }

    /**
     * Of a diff snapshot: one bit per guest page (page i is bit i % 8 of byte i / 8), set for
     * every page that changed since the parent. A page that changed to all zeros is a hole
     * in {@link #memory()} with its bit set.
     */
    public Path memoryPages() {
        return dir.resolve(MEMORY_PAGES);
    }

    /**
     * Of a diff snapshot: its chain's memory put together at the first restore. Derived from
     * the other files, so not in the manifest; made again when it changed.
     */
    public Path assembledMemory() {
        return dir.resolve(ASSEMBLED_MEMORY);
    }
}
