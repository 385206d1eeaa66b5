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
    default Vm restore(VmSpec spec, Path vmstate) {
        return startRestore(spec, vmstate).load();
    }

    /**
     * The first half of {@link #restore(VmSpec, Path)}: starts the VMM process, which maps
     * the memory file, opens {@code vmstate} and waits. The caller loads it, or closes it.
     */
    PendingRestore startRestore(VmSpec spec, Path vmstate);

    /**
     * Creates an empty copy-on-write layer of {@code virtualBytes} at {@code layer}, to be the
     * top of a {@link DiskChain}. A layer directly over a base image records {@code baseName}
     * (null for none) for people and tools that inspect it; the VMM itself always takes the
     * backing from the chain, never from the name inside a layer.
     */
    void createLayer(Path layer, long virtualBytes, String baseName);

    /**
     * Folds {@code chain}'s read-only layers into its top, in place: afterwards the top alone
     * over the base holds what the whole chain held, and records {@code baseName} as its base.
     */
    void flatten(DiskChain chain, String baseName);
}
