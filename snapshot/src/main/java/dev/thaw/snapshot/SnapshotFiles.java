package dev.thaw.snapshot;

import java.nio.file.Path;

/** The layout of one snapshot directory. */
public record SnapshotFiles(Path dir) {

    public static final String MANIFEST = "manifest.json";
    public static final String MEMORY = "memory";
    public static final String VMSTATE = "vmstate";
    public static final String DISK = "disk.qcow2";

    public Path manifest() {
        return dir.resolve(MANIFEST);
    }

    /** Guest RAM, a sparse file: pages the guest never touched are holes. */
    public Path memory() {
        return dir.resolve(MEMORY);
    }

    /** Device state written by the VMM (migration stream without RAM). */
    public Path vmstate() {
        return dir.resolve(VMSTATE);
    }

    /** The guest's disk changes, an overlay over the language's root filesystem image. */
    public Path disk() {
        return dir.resolve(DISK);
    }
}
