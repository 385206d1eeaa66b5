package dev.thaw.sandbox;

import dev.thaw.images.BuildProgress;
import dev.thaw.images.Digests;
import dev.thaw.images.RootfsImage;
import dev.thaw.snapshot.HostProfile;
import dev.thaw.snapshot.Manifest;
import dev.thaw.snapshot.PendingSnapshot;
import dev.thaw.snapshot.Snapshot;
import dev.thaw.snapshot.SnapshotFiles;
import dev.thaw.snapshot.SnapshotStore;
import dev.thaw.vmm.NetworkBackend;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;

/**
 * Makes a language's snapshot: boots a template guest whose memory lives in a shared file
 * inside the snapshot's staging directory, waits until its runtime is loaded, saves the
 * device state and publishes the whole directory at once.
 */
final class SnapshotMaker {

    /** Free memory left untouched, above the kernel's watermarks, so nothing is reclaimed or killed. */
    private static final int ZEROING_MARGIN_KIB = 32 << 10;
    private static final String ZERO_FREE_MEMORY =
            "sync\n"
            + "free=$(sed -n 's/^MemFree: *\\([0-9]*\\) kB$/\\1/p' /proc/meminfo)\n"
            + "exec dd if=/dev/zero of=/dev/null count=1 status=none bs=$((free - " + ZEROING_MARGIN_KIB + "))K";
    private static final Duration ZEROING_TIMEOUT = Duration.ofSeconds(60);

    private static final Duration MIN_RESIDENT_LOAD = Duration.ofMinutes(2);

    /** Room for the memory file if the guest touched all of it, plus disk changes. */
    private static final long DISK_HEADROOM = 64L << 20;

    private final SandboxFactory sandboxes;
    private final SnapshotStore store;
    private final InstantSource clock;
    private final BuildProgress progress;

    /** @param progress told of each phase: a create takes seconds under TCG, and users want to see where */
    SnapshotMaker(SandboxFactory sandboxes, SnapshotStore store, InstantSource clock, BuildProgress progress) {
        this.sandboxes = sandboxes;
        this.store = store;
        this.clock = clock;
        this.progress = progress;
    }

    Snapshot create(Language language, RootfsImage rootfs, String id, boolean replace, Timings timings) {
        GuestMachine machine = sandboxes.machine();
        long expected = ((long) machine.memoryMiB() << 20) + DISK_HEADROOM;
        long start = System.nanoTime();
        try (PendingSnapshot pending = store.begin(id, expected, replace);
                RunDirectories.RunDir runDir = sandboxes.newRunDir()) {
            SnapshotFiles files = pending.files();
            var guestFiles = new SandboxFactory.GuestFiles(files.memory(), true, files.disk(),
                    NetworkBackend.UNPLUGGED);
            progress.step("snapshot " + id + ": booting " + language.id());
            try (Sandbox template = sandboxes.boot(language, rootfs, guestFiles, runDir.path(), timings)) {
                if (language.resident() != Language.Resident.NONE) {
                    progress.step("snapshot " + id + ": waiting for the resident runner to load and warm up");
                    new Steps("snapshot " + id, timings).run("resident",
                            () -> template.awaitResidentRunner(residentLoadTimeout(language)));
                }
                if (language.resident() != Language.Resident.LAST_RUN) {
                    progress.step("snapshot " + id + ": warming up");
                    warmUp(template, timings);
                }
                progress.step("snapshot " + id + ": zeroing free memory");
                zeroFreeMemory(template, timings);
                progress.step("snapshot " + id + ": saving device state");
                new Steps("snapshot " + id, timings).run("save", () -> template.saveDeviceState(files.vmstate()));
            }
            progress.step("snapshot " + id + ": publishing (freeing zero pages, syncing, hashing)");
            Snapshot snapshot = new Steps("snapshot " + id, timings).run("publish",
                    () -> pending.commit(manifest(id, language, machine.profile(rootfs)).withWarmUp(warmUpDigest(language))));
            progress.done("snapshot " + id, (System.nanoTime() - start) / 1_000_000);
            pending.commitPhases().forEach((phase, took) ->
                    timings.record("publish." + phase.name().toLowerCase(java.util.Locale.ROOT), took.toNanos()));
            return snapshot;
        }
    }

    /**
     * How long a resident runner may take to load: it starts its runtime and runs the
     * language's hello at least once (a JVM runner up to three times), which under TCG on a
     * busy host takes about as long as a run of the language's own command, minutes for a
     * compiler started afresh. Three of the language's default timeouts, and at least two
     * minutes; the agent itself gives up on a runner after ten.
     */
    static Duration residentLoadTimeout(Language language) {
        Duration threeRuns = language.defaultTimeout().multipliedBy(3);
        return threeRuns.compareTo(MIN_RESIDENT_LOAD) > 0 ? threeRuns : MIN_RESIDENT_LOAD;
    }

    /**
     * What warms a language's snapshot before it is saved: its command line (the compile step
     * included), how its resident runner serves, its code file's name and its warm-up program.
     * When any of them changes, the snapshot's warm state no longer matches what runs do (a
     * precompiled header missing, a different compiler loaded), so the language's own snapshot
     * is made again; snapshots users named are only compared on what a restore needs.
     */
    static String warmUpDigest(Language language) {
        return Digests.sha256(String.join("\0", language.argv()) + "\0\0" + language.resident() + "\0\0"
                + language.codeFile() + "\0\0" + LanguageSamples.builtIn().warmUpCode(language.id()));
    }

    /**
     * Runs the language's hello program once so that what every run touches (the fork path
     * of the resident runner, pipes, the working directory, and for compiled languages the
     * compiler, linker and libraries in the page cache) is already in the saved memory.
     * A runner that serves only last runs warmed itself before it said READY: an ordinary
     * run there would start a second runtime (a JVM) beside it only to fill the page cache.
     */
    private static void warmUp(Sandbox template, Timings timings) {
        String code = LanguageSamples.builtIn().warmUpCode(template.language().id());
        RunRequest hello = new RunRequest(template.language().id(), code.getBytes(StandardCharsets.UTF_8),
                null, null, LanguageCheck.CASE_TIMEOUT, RunRequest.DEFAULT_OUTPUT_CAP, false, null);
        RunResult result = template.exec(hello, new Timings());
        timings.record("warm-up", (long) (result.guestMicros() * 1000));
        if (result.exitCode() != 0) {
            throw new SandboxException(SandboxException.Code.HOST, "the " + template.language().id()
                    + " runtime failed its warm-up run (exit " + result.exitCode() + "): "
                    + new String(result.stderr(), StandardCharsets.UTF_8));
        }
    }

    /**
     * Takes all of the guest's free memory but {@link #ZEROING_MARGIN_KIB} in one process and
     * gives it back: the kernel zero-fills the pages it hands out and frees them as they are,
     * so committing the snapshot punches them out of the memory file. Without this, what a
     * warm-up's compiler or JVM freed stays in the file as garbage. The page cache, which
     * makes the first run fast, is left alone: only free memory is taken. It is written back
     * first ({@code sync}): a dirty page in the snapshot would otherwise be written out by
     * every clone, a few milliseconds of guest I/O after each restore.
     */
    private static void zeroFreeMemory(Sandbox template, Timings timings) {
        RunResult result = template.execCommand(List.of("/bin/sh", "-c", ZERO_FREE_MEMORY), ZEROING_TIMEOUT);
        timings.record("zero-free-memory", (long) (result.guestMicros() * 1000));
        if (result.exitCode() != 0) {
            throw new SandboxException(SandboxException.Code.HOST, "zeroing the guest's free memory failed (exit "
                    + result.exitCode() + "): " + new String(result.stderr(), StandardCharsets.UTF_8));
        }
    }

    private Manifest manifest(String id, Language language, HostProfile host) {
        return new Manifest(Manifest.FORMAT_VERSION, id, language.id(), host.vmm(), host.vmmVersion(),
                host.accelerator(), host.cpuModel(), host.memoryMiB(), host.vcpus(), host.kernelDigest(),
                host.initrdDigest(), host.rootfsDigest(), host.agentVersion(), sandboxes.machine().cmdline(),
                clock.instant(), null, Map.of());
    }
}
