package dev.thaw.vmm.qemu;

/** What the user asked for: a specific accelerator, or whatever works on this host. */
public enum AcceleratorChoice {
    AUTO,
    KVM,
    TCG
}
