package dev.thaw.vmm.qemu;

import dev.thaw.vmm.VmSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The QEMU command line for a {@link VmSpec}. A restore must see the same devices in the
 * same order as the boot that made the snapshot, so both come from this one builder and
 * differ only in the memory mapping and the incoming-migration flags.
 */
public final class QemuCommand {

    public static final String BINARY = "qemu-system-x86_64";

    private final VmSpec spec;

    public QemuCommand(VmSpec spec) {
        this.spec = spec;
    }

    public static Path qmpSocket(Path runDir) {
        return runDir.resolve("qmp.sock");
    }

    public static Path agentSocket(Path runDir) {
        return runDir.resolve("agent.sock");
    }

    public static Path serialLog(Path runDir) {
        return runDir.resolve("serial.log");
    }

    public List<String> boot() {
        return build(false);
    }

    /** Starts paused, waiting for device state to be fed over QMP with {@code migrate-incoming}. */
    public List<String> restore() {
        return build(true);
    }

    private List<String> build(boolean incoming) {
        List<String> argv = new ArrayList<>(List.of(BINARY,
                "-M", "microvm,x-option-roms=off,isa-serial=on,rtc=off,memory-backend=mem",
                "-accel", spec.accelerator().id(),
                "-cpu", spec.cpuModel(),
                "-m", spec.memoryMiB() + "M",
                "-smp", Integer.toString(spec.vcpus()),
                "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
                "-object", "memory-backend-file,id=mem,size=" + spec.memoryMiB() + "M,mem-path="
                        + escape(spec.memoryFile()) + ",share=" + (spec.sharedMemory() ? "on" : "off"),
                "-serial", "file:" + serialLog(spec.runDir()),
                "-qmp", "unix:" + escape(qmpSocket(spec.runDir())) + ",server=on,wait=off",
                "-device", "virtio-serial-device",
                "-chardev", "socket,id=agent,path=" + escape(agentSocket(spec.runDir())) + ",server=on,wait=off",
                "-device", "virtserialport,chardev=agent,name=thaw.agent"));
        if (spec.disk() != null) {
            argv.addAll(List.of("-drive", "id=root,file=" + escape(spec.disk()) + ",format=qcow2,if=none,cache=unsafe",
                    "-device", "virtio-blk-device,drive=root"));
        }
        argv.addAll(List.of("-kernel", spec.kernel().toString(), "-append", spec.cmdline()));
        if (spec.initrd() != null) {
            argv.addAll(List.of("-initrd", spec.initrd().toString()));
        }
        if (incoming) {
            argv.addAll(List.of("-S", "-incoming", "defer"));
        }
        return argv;
    }

    /** QEMU option values separate fields with commas; a literal comma is written twice. */
    static String escape(Path path) {
        return path.toAbsolutePath().toString().replace(",", ",,");
    }
}
