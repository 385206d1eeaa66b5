package dev.thaw.vmm.qemu;

import dev.thaw.vmm.PendingRestore;
import dev.thaw.vmm.Vm;

/** A QEMU started with {@code -incoming defer} and its device state on stdin, not yet loaded. */
final class QemuPendingRestore implements PendingRestore {

    private final QemuVm vm;
    private volatile boolean loaded;

    QemuPendingRestore(QemuVm vm) {
        this.vm = vm;
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
