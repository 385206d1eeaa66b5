package dev.thaw.sandbox;

import dev.thaw.agent.AgentChannel;
import dev.thaw.images.RootfsImage;
import dev.thaw.snapshot.RestoreImage;
import dev.thaw.vmm.DiskChain;
import dev.thaw.vmm.NetworkBackend;
import dev.thaw.vmm.ReadOnlyDisk;
import dev.thaw.vmm.Vm;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** Starts sandboxes: by booting a language's image, or by restoring a snapshot. */
final class SandboxFactory {

    /**
     * A guest boots its kernel and starts its agent: seconds under TCG. A resident runner
     * loads after that, without holding the agent's READY.
     */
    static final Duration BOOT_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    private static final AtomicLong SEQUENCE = new AtomicLong();

    private final GuestMachine machine;
    private final RunDirectories runDirs;
    private final OverlayTemplates overlays;

    SandboxFactory(GuestMachine machine, RunDirectories runDirs, OverlayTemplates overlays) {
        this.machine = machine;
        this.runDirs = runDirs;
        this.overlays = overlays;
    }

    GuestMachine machine() {
        return machine;
    }

    /**
     * Boots a fresh guest on a private overlay of {@code rootfs} for a cold run; all of it is
     * removed on close. It starts no resident runner: its programs run the language's command.
     */
    Sandbox boot(Language language, RootfsImage rootfs, NetworkBackend network, Timings timings) {
        try (Steps steps = new Steps("cold boot of " + language.id(), timings)) {
            Path runDir = steps.onFailureClose(runDirs.create(nextId())).path();
            Sandbox sandbox = boot(machine.withoutResidentRunner(), language, rootfs, new GuestFiles(
                    runDir.resolve("memory"), false, runDir.resolve("disk.qcow2"), network), runDir, timings);
            steps.keep();
            return sandbox;
        }
    }

    /**
     * Boots a guest whose memory and disk live where {@code files} says, e.g. in a snapshot's
     * staging directory; the run directory holds only sockets and logs. The disk is a layer
     * over {@code rootfs} that records the image's name, which carries its sha256. The guest
     * starts the image's resident runner, if it has one, to be snapshotted with it.
     */
    Sandbox boot(Language language, RootfsImage rootfs, GuestFiles files, Path runDir, Timings timings) {
        return boot(machine, language, rootfs, files, runDir, timings);
    }

    private Sandbox boot(GuestMachine guest, Language language, RootfsImage rootfs, GuestFiles files, Path runDir,
            Timings timings) {
        try (Steps steps = new Steps("boot of " + language.id(), timings)) {
            DiskChain disk = DiskChain.over(rootfs.rootDisk(), files.disk()).withLowerImages(lowerDisks(rootfs));
            steps.run("overlay", () -> guest.vmm().createLayer(files.disk(), HostFiles.size(rootfs.rootDisk()),
                    rootfs.rootDisk().getFileName().toString()));
            Vm vm = steps.onFailureClose(steps.run("boot", () -> guest.vmm().boot(guest.spec(
                    runDir.getFileName().toString(), files.memory(), files.sharedMemory(), disk, files.network(),
                    runDir))));
            AgentChannel agent = steps.onFailureClose(
                    steps.run("connect", () -> AgentChannel.connect(vm.agentSocket(), CONNECT_TIMEOUT)));
            Sandbox sandbox = new Sandbox(language, vm, agent, "cold", null);
            steps.run("ready", () -> sandbox.awaitReady(BOOT_TIMEOUT));
            steps.run("seed", sandbox::reseed);
            steps.keep();
            return sandbox;
        }
    }

    /** Where a booted guest's memory and disk overlay live, and what its network card reaches. */
    record GuestFiles(Path memory, boolean sharedMemory, Path disk, NetworkBackend network) {}

    RunDirectories.RunDir newRunDir() {
        return runDirs.create(nextId());
    }

    /**
     * Restores a clone of a snapshot: its own empty disk layer over the snapshot's layers and
     * {@code rootfs}, its own channel; the snapshot's files are only read.
     */
    Sandbox restore(Language language, RootfsImage rootfs, RestoreImage image, NetworkBackend network,
            Timings timings) {
        try (Steps steps = new Steps("restore of " + image.manifest().id(), timings)) {
            Path runDir = steps.onFailureClose(runDirs.create(nextId())).path();
            Path top = runDir.resolve("disk.qcow2");
            DiskChain disk = new DiskChain(top, image.diskLayers(), rootfs.rootDisk(), lowerDisks(rootfs));
            steps.run("overlay", () -> overlays.create(HostFiles.size(rootfs.rootDisk()), top));
            Vm vm = steps.onFailureClose(steps.run("restore", () -> machine.vmm().restore(
                    machine.spec(runDir.getFileName().toString(), image.memory(), false, disk, network, runDir),
                    image.vmstate())));
            AgentChannel agent = steps.onFailureClose(
                    steps.run("connect", () -> AgentChannel.connect(vm.agentSocket(), CONNECT_TIMEOUT)));
            steps.run("resume", vm::resume);
            Sandbox sandbox = new Sandbox(language, vm, agent, "restore", new Sandbox.Origin(image, disk));
            sandbox.reseedBeforeNextExec();
            steps.keep();
            return sandbox;
        }
    }

    /**
     * The image's layers, attached read-only: its own under a fixed serial, its lowers under
     * theirs; the guest stacks them under the writable root disk.
     */
    static List<ReadOnlyDisk> lowerDisks(RootfsImage rootfs) {
        List<ReadOnlyDisk> disks = new ArrayList<>();
        disks.add(new ReadOnlyDisk(RootfsImage.TOP_LAYER_SERIAL, rootfs.file()));
        rootfs.lowers().forEach(lower -> disks.add(new ReadOnlyDisk(lower.serial(), lower.file())));
        return disks;
    }

    private static String nextId() {
        return "vm-" + ProcessHandle.current().pid() + "-" + SEQUENCE.incrementAndGet();
    }
}
