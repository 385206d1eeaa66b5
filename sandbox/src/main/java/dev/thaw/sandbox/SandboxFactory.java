package dev.thaw.sandbox;

import dev.thaw.agent.AgentChannel;
import dev.thaw.images.RootfsImage;
import dev.thaw.snapshot.Snapshot;
import dev.thaw.snapshot.SnapshotFiles;
import dev.thaw.vmm.Vm;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** Starts sandboxes: by booting a language's image, or by restoring a snapshot. */
final class SandboxFactory {

    /** A cold guest boots its kernel and starts its runtime: seconds under TCG. */
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

    /** Boots a fresh guest on a private overlay of {@code rootfs}; all of it is removed on close. */
    Sandbox boot(Language language, RootfsImage rootfs, Timings timings) {
        try (Steps steps = new Steps("cold boot of " + language.id(), timings)) {
            Path runDir = steps.onFailureClose(runDirs.create(nextId())).path();
            Sandbox sandbox = boot(language, rootfs, new GuestFiles(runDir.resolve("memory"), false,
                    runDir.resolve("disk.qcow2")), runDir, timings);
            steps.keep();
            return sandbox;
        }
    }

    /**
     * Boots a guest whose memory and disk live where {@code files} says, e.g. in a snapshot's
     * staging directory; the run directory holds only sockets and logs.
     */
    Sandbox boot(Language language, RootfsImage rootfs, GuestFiles files, Path runDir, Timings timings) {
        try (Steps steps = new Steps("boot of " + language.id(), timings)) {
            steps.run("overlay", () -> machine.vmm().createOverlay(rootfs.file(), files.disk()));
            Vm vm = steps.onFailureClose(steps.run("boot", () -> machine.vmm().boot(machine.spec(
                    runDir.getFileName().toString(), files.memory(), files.sharedMemory(), files.disk(), runDir))));
            AgentChannel agent = steps.onFailureClose(
                    steps.run("connect", () -> AgentChannel.connect(vm.agentSocket(), CONNECT_TIMEOUT)));
            Sandbox sandbox = new Sandbox(language, vm, agent, "cold");
            steps.run("ready", () -> sandbox.awaitReady(BOOT_TIMEOUT));
            steps.run("seed", sandbox::reseed);
            steps.keep();
            return sandbox;
        }
    }

    /** Where a booted guest's memory and disk overlay live. */
    record GuestFiles(Path memory, boolean sharedMemory, Path disk) {}

    RunDirectories.RunDir newRunDir() {
        return runDirs.create(nextId());
    }

    /** Restores a clone of {@code snapshot}: its own overlay and channel, the snapshot untouched. */
    Sandbox restore(Language language, Snapshot snapshot, Timings timings) {
        try (Steps steps = new Steps("restore of " + snapshot.manifest().id(), timings)) {
            Path runDir = steps.onFailureClose(runDirs.create(nextId())).path();
            Path overlay = runDir.resolve("disk.qcow2");
            String diskKey = snapshot.manifest().files().get(SnapshotFiles.DISK).sha256();
            steps.run("overlay", () -> overlays.create(snapshot.files().disk(), diskKey, overlay));
            Vm vm = steps.onFailureClose(steps.run("restore", () -> machine.vmm().restore(
                    machine.spec(runDir.getFileName().toString(), snapshot.files().memory(), false, overlay, runDir),
                    snapshot.files().vmstate())));
            AgentChannel agent = steps.onFailureClose(
                    steps.run("connect", () -> AgentChannel.connect(vm.agentSocket(), CONNECT_TIMEOUT)));
            steps.run("resume", vm::resume);
            Sandbox sandbox = new Sandbox(language, vm, agent, "restore");
            sandbox.reseedBeforeNextExec();
            steps.keep();
            return sandbox;
        }
    }

    private static String nextId() {
        return "vm-" + ProcessHandle.current().pid() + "-" + SEQUENCE.incrementAndGet();
    }
}
