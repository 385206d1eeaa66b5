package dev.thaw.sandbox;

import dev.thaw.agent.AgentChannel;
import dev.thaw.images.RootfsImage;
import dev.thaw.snapshot.RestoreImage;
import dev.thaw.vmm.DiskChain;
import dev.thaw.vmm.NetworkBackend;
import dev.thaw.vmm.PendingRestore;
import dev.thaw.vmm.ReadOnlyDisk;
import dev.thaw.vmm.Vm;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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
    private static final System.Logger LOG = System.getLogger(SandboxFactory.class.getName());

    private final GuestMachine machine;
    private final RunDirectories runDirs;
    private final OverlayTemplates overlays;
    private final StandbyVmms standbys;

    SandboxFactory(GuestMachine machine, RunDirectories runDirs, OverlayTemplates overlays, StandbyVmms standbys) {
        this.machine = machine;
        this.runDirs = runDirs;
        this.overlays = overlays;
        this.standbys = standbys;
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
     * {@code rootfs}, its own channel; the snapshot's files are only read. A standby VMM
     * started for exactly these files is used when there is one (timings then have no
     * {@code vmm} step), and the sandbox's close starts the next one in the background.
     */
    Sandbox restore(Language language, RootfsImage rootfs, RestoreImage image, NetworkBackend network,
            Timings timings) {
        // Standbys have no network card to spare: a tap belongs to one sandbox's namespace.
        Optional<StandbyKey> key = standbys.enabled() && network == NetworkBackend.UNPLUGGED
                ? StandbyKey.of(image, rootfs) : Optional.empty();
        Optional<Sandbox> fromStandby = key.flatMap(standbys::take)
                .flatMap(started -> restoreFrom(started, language, image, timings));
        Sandbox sandbox = fromStandby.orElseGet(() -> {
            try (Steps steps = new Steps("restore of " + image.manifest().id(), timings)) {
                StartedVmm started = steps.onFailureClose(startVmm(rootfs, image, network, steps));
                Sandbox restored = restore(started, language, image, steps);
                steps.keep();
                return restored;
            }
        });
        // Started once the VM has stopped, not beside a program still running: on a small host
        // a QEMU starting meanwhile slowed the program's run by more than it saves.
        key.ifPresent(k -> sandbox.closeWith(() -> standbys.refill(k, () -> startStandby(rootfs, image))));
        return sandbox;
    }

    private StartedVmm startStandby(RootfsImage rootfs, RestoreImage image) {
        try (Steps steps = new Steps("standby VMM for " + image.manifest().id(), new Timings())) {
            StartedVmm started = startVmm(rootfs, image, NetworkBackend.UNPLUGGED, steps);
            steps.keep();
            return started;
        }
    }

    /**
     * A restore through a standby; empty, with the standby closed, if it fails: a standby that
     * died while it waited must cost the request only the time to start afresh.
     */
    private Optional<Sandbox> restoreFrom(StartedVmm started, Language language, RestoreImage image,
            Timings timings) {
        try (Steps steps = new Steps("restore of " + image.manifest().id() + " in a standby VMM", timings)) {
            steps.onFailureClose(started);
            Sandbox sandbox = restore(started, language, image, steps);
            steps.keep();
            return Optional.of(sandbox);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "a standby VMM failed (" + e.getMessage()
                    + "); restoring without one");
            return Optional.empty();
        }
    }

    private Sandbox restore(StartedVmm started, Language language, RestoreImage image, Steps steps) {
        Vm vm = steps.onFailureClose(steps.run("restore", started.restore()::load));
        AgentChannel agent = steps.onFailureClose(
                steps.run("connect", () -> AgentChannel.connect(vm.agentSocket(), CONNECT_TIMEOUT)));
        steps.run("resume", vm::resume);
        Sandbox sandbox = new Sandbox(language, vm, agent, "restore", new Sandbox.Origin(image, started.disk()));
        sandbox.reseedBeforeNextExec();
        return sandbox;
    }

    /** Starts the VMM of a restore, up to where it waits for its device state. */
    private StartedVmm startVmm(RootfsImage rootfs, RestoreImage image, NetworkBackend network, Steps steps) {
        RunDirectories.RunDir runDir = steps.onFailureClose(runDirs.create(nextId()));
        Path top = runDir.path().resolve("disk.qcow2");
        DiskChain disk = new DiskChain(top, image.diskLayers(), rootfs.rootDisk(), lowerDisks(rootfs));
        steps.run("overlay", () -> overlays.create(HostFiles.size(rootfs.rootDisk()), top));
        PendingRestore restore = steps.run("vmm", () -> machine.vmm().startRestore(
                machine.spec(runDir.path().getFileName().toString(), image.memory(), false, disk, network,
                        runDir.path()), image.vmstate()));
        return new StartedVmm(runDir, disk, restore);
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
