package dev.thaw.vmm.qemu;

import dev.thaw.vmm.PendingRestore;
import dev.thaw.vmm.Vm;
import dev.thaw.vmm.VmSpec;

/** A QEMU started with {@code -incoming defer} and its device state on stdin, not yet loaded. */
final class QemuPendingRestore implements PendingRestore {

    private final VmSpec spec;
    private final QemuVm vm;
    private volatile boolean loaded;

    QemuPendingRestore(VmSpec spec, QemuVm vm) {
        this.spec = spec;
        this.vm = vm;
    }

    @Override
    public VmSpec spec() {
        return spec;
    }

    @Override
    public Vm load() {
        try {
            vm.loadState();
            loaded = true;
            return vm;
        } catch (RuntimeException e) {
            vm.close();
            throw e;
        }
    }

    /** Stops the process unless {@link #load()} handed it over; a loaded VM is the caller's. */
    @Override
    public void close() {
        if (!loaded) {
            vm.close();
        }
    }
}
