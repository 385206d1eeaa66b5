package dev.thaw.vmm;

import java.nio.file.Path;

/**
 * A virtual machine monitor backend: starts guests from a kernel or from a snapshot.
 * One implementation per backend, chosen by {@link #name()}.
 */
public interface Vmm {

    /** Short backend name recorded in snapshot manifests, e.g. {@code qemu}. */
    String name();

    /** Version of the VMM binary; snapshots restore only into the same version. */
    String version();

    /** Boots a fresh guest from {@code spec.kernel()}; returns once the VMM process runs. */
    Vm boot(VmSpec spec);

    /**
     * Starts a guest from device state saved by {@link Vm#snapshot(Path)} over the memory
     * file named in {@code spec}; the returned VM is {@link VmState#PAUSED}. The memory file
     * and {@code vmstate} are only read: clones never modify a snapshot.
     */
    Vm restore(VmSpec spec, Path vmstate);

    /**
     * Creates a copy-on-write disk at {@code overlay} whose reads fall through to
     * {@code base}; writes stay in the overlay. {@code base} is never modified.
     */
    void createOverlay(Path base, Path overlay);
}
