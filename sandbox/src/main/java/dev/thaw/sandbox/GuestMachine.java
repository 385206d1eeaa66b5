package dev.thaw.sandbox;

import dev.thaw.images.GuestKernel;
import dev.thaw.images.RootfsImage;
import dev.thaw.sandbox.network.GuestNetwork;
import dev.thaw.snapshot.HostProfile;
import dev.thaw.vmm.Accelerator;
import dev.thaw.vmm.DiskChain;
import dev.thaw.vmm.NetworkBackend;
import dev.thaw.vmm.Vmm;
import dev.thaw.vmm.VmSpec;
import java.nio.file.Path;

/**
 * The virtual hardware and guest kernel every sandbox on this host gets. Templates and
 * their clones must agree on all of it, which is why it lives in one place.
 */
public record GuestMachine(
        Vmm vmm, GuestKernel kernel, Accelerator accelerator, String cpuModel, int memoryMiB, int vcpus,
        String cmdline) {

    /**
     * Serial console on ttyS0 so init's errors reach the log; a panic reboots, which ends QEMU.
     * {@code norandmaps} turns off address-space randomisation in the guest: TCG finds code it
     * has translated by virtual address, so with ASLR every new process (a shell's fork and
     * exec, a compiler's passes) runs at fresh addresses and is translated again. Measured:
     * a sandbox's {@code sh -c true} 52 ms with ASLR, 12 ms without. What ASLR guards, the
     * guest's processes from each other, is not a boundary here: they all belong to the one
     * user the VM isolates.
     */
    public static final String BASE_CMDLINE = "console=ttyS0 loglevel=1 panic=-1 tsc=unstable norandmaps";

    /**
     * The kernel command line for a host whose TSC runs at {@code tscKhz}. Under TCG the
     * guest's PIT calibration of the TSC fails now and then on a busy host, and the kernel
     * then hangs without a frequency; giving it one skips the calibration.
     */
    public static String cmdline(long tscKhz) {
        return BASE_CMDLINE + " tsc_early_khz=" + tscKhz + " " + GuestNetwork.kernelArgument();
    }

    /**
     * Tells the guest's init not to start the image's resident runner. A cold boot runs its
     * program with the language's own command and is never snapshotted, so loading and
     * warming a runner (minutes for kotlin's or scala's compiler under TCG) is work it does
     * not need. Snapshots are made with {@link #cmdline}, which their manifests record.
     */
    static final String NO_RESIDENT_ARGUMENT = "thaw.resident=off";

    /** This machine for a cold boot: the same hardware, without the resident runner. */
    public GuestMachine withoutResidentRunner() {
        return new GuestMachine(vmm, kernel, accelerator, cpuModel, memoryMiB, vcpus,
                cmdline + " " + NO_RESIDENT_ARGUMENT);
    }

    public VmSpec spec(String id, Path memoryFile, boolean sharedMemory, DiskChain disk, Path runDir) {
        return spec(id, memoryFile, sharedMemory, disk, NetworkBackend.UNPLUGGED, runDir);
    }

    public VmSpec spec(String id, Path memoryFile, boolean sharedMemory, DiskChain disk, NetworkBackend network,
            Path runDir) {
        return new VmSpec(id, kernel.vmlinux(), kernel.initrd(), cmdline, memoryMiB, vcpus, accelerator,
                cpuModel, memoryFile, sharedMemory, disk, network, runDir);
    }

    /** What a snapshot of {@code rootfs} on this machine records and must match to restore. */
    public HostProfile profile(RootfsImage rootfs) {
        return new HostProfile(vmm.name(), vmm.version(), accelerator.id(), cpuModel, memoryMiB, vcpus,
                kernel.vmlinuxDigest(), kernel.initrdDigest(), rootfs.stackDigest(), kernel.agentVersion(), cmdline);
    }
}
