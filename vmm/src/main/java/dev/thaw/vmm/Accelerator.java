package dev.thaw.vmm;

import java.util.Locale;

/** How guest code is executed: hardware virtualization or QEMU's binary translator. */
public enum Accelerator {
    KVM,
    TCG;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
