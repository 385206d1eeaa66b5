package dev.thaw.cli;

import dev.thaw.sandbox.MachineResolver;
import dev.thaw.sandbox.ThawRuntime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = "Says what this host offers Thaw: accelerator and why, QEMU, kernels, disk, cache.")
final class DoctorCommand implements Callable<Integer> {

    @ParentCommand
    ThawCommand thaw;

    @Override
    public Integer call() throws IOException {
        ThawRuntime runtime = thaw.runtime();
        Path home = runtime.home().root();
        line("host kernel", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        line("cpus / memory", Runtime.getRuntime().availableProcessors() + " / "
                + Sizes.human(totalMemory()));
        line("/dev/kvm", Files.exists(Path.of("/dev/kvm")) ? "present" : "absent");
        line("thaw home", home.toString());
        Files.createDirectories(home);
        line("free disk", Sizes.human(Files.getFileStore(home).getUsableSpace()));
        line("cache usage", Sizes.human(usage(home)));
        MachineResolver.Resolved resolved = runtime.machine();
        var machine = resolved.machine();
        line("vmm", machine.vmm().name() + " " + machine.vmm().version());
        line("accelerator", machine.accelerator().id() + " (" + resolved.acceleratorReason() + ")");
        line("cpu model", machine.cpuModel());
        line("guest kernel", machine.kernel().kernelVersion() + " " + machine.kernel().vmlinux());
        line("guest agent", machine.kernel().agentVersion());
        line("guest memory", machine.memoryMiB() + " MiB, " + machine.vcpus() + " vcpu");
        line("snapshots", runtime.snapshots().size() + " in " + runtime.home().snapshots());
        return 0;
    }

    private static void line(String what, String value) {
        System.out.printf("%-14s %s%n", what, value);
    }

    private static long totalMemory() {
        var bean = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return bean instanceof com.sun.management.OperatingSystemMXBean os ? os.getTotalMemorySize() : 0;
    }

    /** Bytes allocated under {@code root}, as du counts them: images and memory files are sparse. */
    private static long usage(Path root) throws IOException {
        Process du = new ProcessBuilder("du", "-s", "-B1", root.toString()).redirectErrorStream(true).start();
        String output = new String(du.getInputStream().readAllBytes()).trim();
        try {
            return du.waitFor() == 0 ? Long.parseLong(output.split("\\s+")[0]) : 0;
        } catch (InterruptedException | NumberFormatException e) {
            return 0;
        }
    }
}
