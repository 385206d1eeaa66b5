package dev.thaw.sandbox;

import dev.thaw.images.GuestKernel;
import dev.thaw.images.ImageBuilder;
import dev.thaw.vmm.Accelerator;
import dev.thaw.vmm.VmSpec;
import dev.thaw.vmm.qemu.AcceleratorChoice;
import java.nio.file.Path;
import dev.thaw.vmm.qemu.AcceleratorProbe;
import dev.thaw.vmm.qemu.QemuVmm;

/**
 * Works out the guest machine of this host once: builds (or finds) the guest kernel, picks
 * the accelerator (probing KVM when asked for {@code auto}) and the matching CPU model.
 */
public final class MachineResolver {

    /** The machine and why its accelerator was chosen, for {@code thaw doctor}. */
    public record Resolved(GuestMachine machine, String acceleratorReason) {}

    private final ThawHome home;
    private final RuntimeOptions options;
    private final ImageBuilder images;
    private Resolved resolved;

    MachineResolver(ThawHome home, RuntimeOptions options, ImageBuilder images) {
        this.home = home;
        this.options = options;
        this.images = images;
    }

    synchronized Resolved resolve() {
        if (resolved == null) {
            resolved = compute();
        }
        return resolved;
    }

    private Resolved compute() {
        AcceleratorChoice choice = parseChoice(options.accelerator());
        GuestKernel kernel;
        try {
            kernel = images.kernel();
        } catch (RuntimeException e) {
            throw Failures.translate("building the guest kernel", e);
        }
        QemuVmm vmm = new QemuVmm();
        var decision = new AcceleratorProbe(home.acceleratorCache(), vmm.version())
                .resolve(choice, AcceleratorProbe.booting(probeSpec(kernel)));
        var machine = new GuestMachine(vmm, kernel, decision.accelerator(),
                AcceleratorProbe.cpuModel(decision.accelerator()), options.memoryMiB(), options.vcpus(),
                GuestMachine.cmdline(HostCpu.tscKhz()));
        return new Resolved(machine, decision.reason());
    }

    /** A minimal KVM guest whose init only reports that it came up. */
    private VmSpec probeSpec(GuestKernel kernel) {
        Path runDir = home.run().resolve("vm-" + ProcessHandle.current().pid() + "-probe");
        return new VmSpec("kvm-probe", kernel.vmlinux(), kernel.initrd(),
                GuestMachine.cmdline(HostCpu.tscKhz()) + " " + AcceleratorProbe.PROBE_ARGUMENT, 256, 1, Accelerator.KVM,
                AcceleratorProbe.cpuModel(Accelerator.KVM), runDir.resolve("memory"), false, null, null, runDir);
    }

    private static AcceleratorChoice parseChoice(String name) {
        try {
            return AcceleratorChoice.valueOf(name.trim().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new SandboxException(SandboxException.Code.BAD_REQUEST,
                    "unknown accelerator '" + name + "'; use auto, kvm or tcg");
        }
    }
}
