package dev.thaw.vmm.qemu;

import dev.thaw.vmm.DiskChain;
import dev.thaw.vmm.NetworkBackend;
import dev.thaw.vmm.ReadOnlyDisk;
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
    /** Id of the memory backend that holds guest RAM; QEMU names its RAM block after it. */
    static final String MEMORY_BACKEND = "mem";
    /**
     * The guest card's MAC. Clones of one snapshot share it, like their address, since each
     * sits alone on its own tap; a fixed, locally administered value keeps templates equal.
     */
    static final String GUEST_MAC = "06:00:ac:10:00:02";
    /** The guest's /init finds its writable root disk by this serial. */
    static final String ROOT_SERIAL = "thaw-root";

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
        List<String> argv = new ArrayList<>(namespacePrefix(spec.network()));
        argv.addAll(List.of(BINARY,
                "-M", "microvm,x-option-roms=off,isa-serial=on,rtc=off,memory-backend=" + MEMORY_BACKEND,
                "-accel", spec.accelerator().id(),
                "-cpu", spec.cpuModel(),
                "-m", spec.memoryMiB() + "M",
                "-smp", Integer.toString(spec.vcpus()),
                "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
                "-object", "memory-backend-file,id=" + MEMORY_BACKEND + ",size=" + spec.memoryMiB() + "M,mem-path="
                        + escape(spec.memoryFile()) + ",share=" + (spec.sharedMemory() ? "on" : "off"),
                "-serial", "file:" + serialLog(spec.runDir()),
                "-qmp", "unix:" + escape(qmpSocket(spec.runDir())) + ",server=on,wait=off",
                "-device", "virtio-serial-device",
                "-chardev", "socket,id=agent,path=" + escape(agentSocket(spec.runDir())) + ",server=on,wait=off",
                "-device", "virtserialport,chardev=agent,name=thaw.agent"));
        if (spec.disk() != null) {
            argv.addAll(disk(spec.disk()));
        }
        if (spec.network() != null) {
            argv.addAll(networkCard(spec.network()));
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

    /**
     * One block node per layer, each naming its backing node, so QEMU never opens a backing
     * file by the name recorded inside a layer. Guest flushes are ignored ({@code no-flush}):
     * a sandbox's disk does not outlive its VM unless a snapshot saves it, and saving stops
     * the VM, which writes everything out first.
     */
    static List<String> disk(DiskChain chain) {
        List<String> argv = new ArrayList<>();
        argv.addAll(blockdev("base", "raw", chain.base(), null, true));
        String below = "base";
        List<Path> layers = chain.layers();
        for (int i = layers.size() - 1; i >= 0; i--) {
            String node = "layer" + i;
            argv.addAll(blockdev(node, "qcow2", layers.get(i), below, true));
            below = node;
        }
        argv.addAll(blockdev("root", "qcow2", chain.top(), below, false));
        argv.addAll(List.of("-device", "virtio-blk-device,drive=root,serial=" + ROOT_SERIAL));
        List<ReadOnlyDisk> lowers = chain.lowerImages();
        for (int i = 0; i < lowers.size(); i++) {
            argv.addAll(blockdev("lower" + i, "raw", lowers.get(i).file(), null, true));
            argv.addAll(List.of("-device", "virtio-blk-device,drive=lower" + i + ",serial=" + lowers.get(i).serial()));
        }
        return argv;
    }

    /**
     * A VMM behind a tap runs inside the tap's network namespace: QEMU opens taps by name,
     * in its own namespace. nsenter replaces itself with QEMU, so the parent-death signal set
     * before it still applies.
     */
    private static List<String> namespacePrefix(NetworkBackend network) {
        if (network instanceof NetworkBackend.Tap tap) {
            return List.of("nsenter", "--net=" + tap.namespace(), "--");
        }
        return List.of();
    }

    /**
     * The card on a virtio-mmio transport, like the disk. An unplugged card sits alone on an
     * internal hub, where its frames are dropped (QEMU warns that the hub reaches no host
     * network, which is the point). The guest is not asked to announce itself after a
     * restore ({@code guest_announce=off}): its gratuitous ARP, IPv6 advertisements and link
     * notifications were about a thousand translation blocks of kernel code on every restore,
     * and a clone's tap is new, with nothing on it that could have cached an old address.
     */
    static List<String> networkCard(NetworkBackend network) {
        String backend = switch (network) {
            case NetworkBackend.Unplugged unplugged -> "hubport,id=net0,hubid=0";
            case NetworkBackend.Tap tap -> "tap,id=net0,ifname=" + tap.tap() + ",script=no,downscript=no";
        };
        return List.of("-netdev", backend, "-device", "virtio-net-device,netdev=net0,guest_announce=off,mac=" + GUEST_MAC);
    }

    private static List<String> blockdev(String node, String format, Path file, String backing, boolean readOnly) {
        String options = "driver=" + format + ",node-name=" + node + ",read-only=" + (readOnly ? "on" : "off")
                + ",cache.no-flush=on,file.driver=file,file.filename=" + escape(file)
                + (backing == null ? "" : ",backing=" + backing);
        return List.of("-blockdev", options);
    }

    /** QEMU option values separate fields with commas; a literal comma is written twice. */
    static String escape(Path path) {
        return path.toAbsolutePath().toString().replace(",", ",,");
    }
}
