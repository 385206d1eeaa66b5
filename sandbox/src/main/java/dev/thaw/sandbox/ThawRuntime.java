package dev.thaw.sandbox;

import dev.thaw.images.BuildProgress;
import dev.thaw.images.GuestKernel;
import dev.thaw.images.ImageBuilder;
import dev.thaw.images.RootfsImage;
import dev.thaw.sandbox.network.NetworkLease;
import dev.thaw.sandbox.network.NetworkPool;
import dev.thaw.snapshot.LocalSnapshotStore;
import dev.thaw.snapshot.RestoreImage;
import dev.thaw.snapshot.Snapshot;
import dev.thaw.snapshot.SnapshotException;
import dev.thaw.snapshot.SnapshotPin;
import dev.thaw.snapshot.SnapshotStore;
import dev.thaw.snapshot.SnapshotTransfer;
import dev.thaw.snapshot.StoreOptions;
import dev.thaw.snapshot.VerifyReport;
import dev.thaw.vmm.NetworkBackend;
import dev.thaw.vmm.VmShutdown;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Thaw's runtime, shared by the CLI and the HTTP API: runs programs in sandboxes restored
 * from (or, on request, booted instead of) a language's snapshot, and manages the images
 * and snapshots that needs. Guest hardware is resolved on first use, so that commands that
 * only look at the store never build a kernel.
 */
public final class ThawRuntime implements AutoCloseable {

    private final ThawHome home;
    private final Languages languages;
    private final ImageBuilder images;
    private final SnapshotStore store;
    private final MachineResolver machines;
    private final InstantSource clock;
    private final BuildProgress progress;
    private final NetworkPool networks;
    private final StandbyVmms standbys;
    private volatile SandboxFactory sandboxes;
    /** One lock per language whose snapshot is being made, so concurrent first runs make it once. */
    private final java.util.Map<String, Object> makingLocks = new java.util.concurrent.ConcurrentHashMap<>();

    public ThawRuntime(RuntimeOptions options) {
        this.home = options.home();
        this.languages = Languages.builtIn();
        this.clock = InstantSource.system();
        this.progress = options.progress();
        this.images = new ImageBuilder(home.images(), options.progress());
        long capacity = options.storeCapacityBytes() > 0 ? options.storeCapacityBytes()
                : StoreOptions.defaultCapacity(home.snapshots());
        LocalSnapshotStore local = new LocalSnapshotStore(home.snapshots(), clock,
                new StoreOptions(capacity, options.sparse(), options.unpackedCapacityBytes()));
        this.store = local;
        this.machines = new MachineResolver(home, options, images);
        // What a killed Thaw left behind: run directories of its VMs, half-written snapshots.
        new RunDirectories(home.run()).removeLeftovers();
        local.removeLeftovers();
        this.standbys = new StandbyVmms(options.standbyVmms());
        this.networks = NetworkPool.onHost(0);
        networks.removeLeftovers();
        VmShutdown.releaseAfterVms(networks::close);
    }

    /**
     * Stops the standby VMMs this runtime keeps (see {@link RuntimeOptions#standbyVmms()}).
     * Sandboxes it handed out are their holders' to close.
     */
    @Override
    public void close() {
        standbys.close();
    }

    /** Network namespaces for sandboxes with network; empty until a server sizes it. */
    public NetworkPool networks() {
        return networks;
    }

    public ThawHome home() {
        return home;
    }

    public Languages languages() {
        return languages;
    }

    public SnapshotStore store() {
        return store;
    }

    /** Runs one program in a fresh sandbox and discards the sandbox. */
    public RunResult run(RunRequest request) {
        return run(request, Sandbox::close);
    }

    /**
     * As {@link #run(RunRequest)}, but the used sandbox goes to {@code dispose}, which must
     * close it: a server closes it after answering, not before.
     */
    public RunResult run(RunRequest request, Consumer<Sandbox> dispose) {
        Language language = languages.get(request.language());
        Timings timings = new Timings();
        long start = System.nanoTime();
        Sandbox sandbox = open(language, request, timings);
        try {
            timings.record("startup", System.nanoTime() - start);
            RunResult result = sandbox.exec(request, timings, true);
            timings.record("total", System.nanoTime() - start);
            return result;
        } finally {
            dispose.accept(sandbox);
        }
    }

    /**
     * Starts a sandbox that lives until the caller closes it: restored from the language's
     * snapshot, or from {@code snapshotId} when given. Its programs run with
     * {@link Sandbox#exec(RunRequest, Timings)}, one at a time.
     */
    public Sandbox startSandbox(String languageName, String snapshotId) {
        return startSandbox(languageName, snapshotId, false);
    }

    /** As {@link #startSandbox(String, String)}, with a network namespace of its own when asked. */
    public Sandbox startSandbox(String languageName, String snapshotId, boolean network) {
        Language language = languages.get(languageName);
        RunRequest start = new RunRequest(language.id(), new byte[0], null, null, null, RunRequest.DEFAULT_OUTPUT_CAP,
                false, snapshotId).withNetwork(network);
        return open(language, start, new Timings());
    }

    /** A run whose sandbox was then saved as a diff snapshot. */
    public record SavedRun(RunResult result, Snapshot snapshot) {}

    /**
     * Runs one program in a sandbox restored from a snapshot, then saves the sandbox as a diff
     * snapshot {@code saveAs} of that snapshot: what the program left in memory and on disk
     * is there when {@code saveAs} is restored.
     */
    public SavedRun runAndSave(RunRequest request, String saveAs, boolean replace) {
        if (request.cold()) {
            throw new SandboxException(SandboxException.Code.BAD_REQUEST, "a cold-booted sandbox cannot be saved as "
                    + "a diff snapshot: it has no snapshot to be a diff of; leave out --cold");
        }
        Language language = languages.get(request.language());
        Timings timings = new Timings();
        long start = System.nanoTime();
        try (Sandbox sandbox = open(language, request, timings)) {
            timings.record("startup", System.nanoTime() - start);
            RunResult result = sandbox.exec(request, timings, false);
            Snapshot saved = saveDiff(sandbox, saveAs, replace, timings);
            timings.record("total", System.nanoTime() - start);
            return new SavedRun(result, saved);
        }
    }

    /**
     * Saves a restored sandbox as a diff snapshot of the snapshot it came from; the sandbox is
     * left paused (see {@link Sandbox#resume()}).
     */
    public Snapshot saveDiff(Sandbox sandbox, String id, boolean replace, Timings timings) {
        try {
            return new DiffSnapshotMaker(store).save(sandbox, id, replace, timings);
        } catch (RuntimeException e) {
            throw Failures.translate("saving diff snapshot " + id, e);
        }
    }

    /** Merges a diff snapshot's chain into a full snapshot {@code into} (by default in its place). */
    public Snapshot squash(String id, String into, boolean replace) {
        // Pinned before it is read: with --as, nothing else keeps a create from evicting it meanwhile.
        try (SnapshotPin pin = translated("pinning snapshot " + id, () -> store.pin(id))) {
            return squashPinned(id, into, replace);
        }
    }

    private Snapshot squashPinned(String id, String into, boolean replace) {
        Snapshot leaf = openSnapshot(id);
        Language language = languages.get(leaf.manifest().language());
        try {
            return new SnapshotSquasher(store, sandboxes().machine().vmm()).squash(
                    store.restoreImage(leaf), image(language), into == null ? id : into, replace || into == null);
        } catch (RuntimeException e) {
            throw Failures.translate("squashing snapshot " + id, e);
        }
    }

    private Sandbox open(Language language, RunRequest request, Timings timings) {
        if (!request.network()) {
            return open(language, request, NetworkBackend.UNPLUGGED, timings);
        }
        long start = System.nanoTime();
        NetworkLease lease = networks.lease();
        timings.record("network", System.nanoTime() - start);
        try {
            Sandbox sandbox = open(language, request, lease.backend(), timings);
            sandbox.useNetwork(lease);
            return sandbox;
        } catch (RuntimeException e) {
            lease.close(); // the VM, if any, is stopped by now
            throw e;
        }
    }

    private Sandbox open(Language language, RunRequest request, NetworkBackend network, Timings timings) {
        long start = System.nanoTime();
        RootfsImage rootfs = image(language);
        timings.record("image", System.nanoTime() - start);
        if (request.cold()) {
            return sandboxes().boot(language, rootfs, network, timings);
        }
        String id = request.snapshotId() == null ? language.id() : request.snapshotId();
        SnapshotPin pin = translated("pinning snapshot " + id, () -> store.pin(id));
        try {
            long check = System.nanoTime();
            Snapshot snapshot = request.snapshotId() == null ? languageSnapshot(language, rootfs) : openSnapshot(id);
            requireLanguage(snapshot, language);
            timings.record("check", System.nanoTime() - check);
            long prepare = System.nanoTime();
            RestoreImage restoreImage = translated("preparing snapshot " + id, () -> store.restoreImage(snapshot));
            timings.record("prepare", System.nanoTime() - prepare); // unpacks or assembles memory, if needed
            Sandbox sandbox = sandboxes().restore(language, rootfs, restoreImage, network, timings);
            sandbox.closeWith(pin);
            return sandbox;
        } catch (RuntimeException e) {
            pin.close();
            throw e;
        }
    }

    /**
     * Builds the language's image if needed and makes sure its snapshot matches it: made if
     * missing, made again if stale. What {@code thaw image build} ends with, so that the first
     * run after a build restores at once.
     */
    public Snapshot languageSnapshot(String languageName) {
        Language language = languages.get(languageName);
        return languageSnapshot(language, image(language));
    }

    /**
     * The language's own snapshot, created on first use. It is a cache of the language's
     * booted runtime: when it no longer matches this host (a new kernel, image, agent,
     * QEMU or snapshot format) or was warmed up otherwise than the language's commands and
     * warm-up program now say, it is made again rather than refused.
     */
    private Snapshot languageSnapshot(Language language, RootfsImage rootfs) {
        try {
            return openLanguageSnapshot(language, rootfs);
        } catch (SandboxException e) {
            if (!(e.getCause() instanceof SnapshotException s)) {
                throw e;
            }
            if (s.code() != SnapshotException.Code.NOT_FOUND && s.code() != SnapshotException.Code.INCOMPATIBLE) {
                throw e;
            }
            return remake(language, rootfs, s);
        }
    }

    /**
     * Makes the language's snapshot once however many requests find it missing or stale at
     * the same time: the first makes it, the others wait for it and open the new one.
     */
    private Snapshot remake(Language language, RootfsImage rootfs, SnapshotException why) {
        String id = language.id();
        synchronized (makingLocks.computeIfAbsent(id, k -> new Object())) {
            try {
                return openLanguageSnapshot(language, rootfs); // another request made it while this one waited
            } catch (SandboxException again) {
                if (!(again.getCause() instanceof SnapshotException s) || (s.code() != SnapshotException.Code.NOT_FOUND
                        && s.code() != SnapshotException.Code.INCOMPATIBLE)) {
                    throw again;
                }
                if (why.code() == SnapshotException.Code.INCOMPATIBLE) {
                    progress.step("snapshot " + id + " is stale (" + why.getMessage() + "); recreating it");
                }
                createSnapshot(language, rootfs, id, true);
                return open(id, rootfs);
            }
        }
    }

    private Snapshot openSnapshot(String id) {
        Snapshot found = snapshot(id).orElseThrow(() -> new SandboxException(
                SandboxException.Code.NOT_FOUND, "no snapshot '" + id + "'; see: thaw snapshot list"));
        return open(id, image(languages.get(found.manifest().language())));
    }

    /** A snapshot restores only over its own language's disks; any other would not boot. */
    private static void requireLanguage(Snapshot snapshot, Language language) {
        String holds = snapshot.manifest().language();
        if (!holds.equals(language.id())) {
            throw new SandboxException(SandboxException.Code.BAD_REQUEST, "snapshot '" + snapshot.manifest().id()
                    + "' holds a " + holds + " sandbox, not " + language.id() + "; run it with --lang " + holds);
        }
    }

    /** The language's own snapshot, opened, if it was also warmed the way this Thaw warms it. */
    private Snapshot openLanguageSnapshot(Language language, RootfsImage rootfs) {
        Snapshot snapshot = open(language.id(), rootfs);
        if (!SnapshotMaker.warmUpDigest(language).equals(snapshot.manifest().warmUpDigest())) {
            throw Failures.translate("opening snapshot " + language.id(), new SnapshotException(
                    SnapshotException.Code.INCOMPATIBLE, "snapshot '" + language.id() + "' was warmed up with "
                    + "other commands or another warm-up program than " + language.id() + "'s now"));
        }
        return snapshot;
    }

    private Snapshot open(String id, RootfsImage rootfs) {
        try {
            return store.open(id, sandboxes().machine().profile(rootfs));
        } catch (RuntimeException e) {
            throw Failures.translate("opening snapshot " + id, e);
        }
    }

    public Snapshot createSnapshot(String languageName, String id, boolean replace) {
        return createSnapshot(languageName, id, replace, new Timings());
    }

    /** Creates a snapshot, recording the time of each step (boot, warm-up, save, publish). */
    public Snapshot createSnapshot(String languageName, String id, boolean replace, Timings timings) {
        Language language = languages.get(languageName);
        return createSnapshot(language, image(language), id == null ? language.id() : id, replace, timings);
    }

    private Snapshot createSnapshot(Language language, RootfsImage rootfs, String id, boolean replace) {
        return createSnapshot(language, rootfs, id, replace, new Timings());
    }

    private Snapshot createSnapshot(Language language, RootfsImage rootfs, String id, boolean replace,
            Timings timings) {
        try {
            return new SnapshotMaker(sandboxes(), store, clock, progress).create(language, rootfs, id, replace, timings);
        } catch (RuntimeException e) {
            throw Failures.translate("creating snapshot " + id, e);
        }
    }

    public List<Snapshot> snapshots() {
        return translated("listing snapshots", store::list);
    }

    public Optional<Snapshot> snapshot(String id) {
        return translated("reading snapshot " + id, () -> store.find(id));
    }

    public void removeSnapshot(String id) {
        translated("removing snapshot " + id, () -> {
            store.remove(id);
            return null;
        });
    }

    /** Writes snapshot {@code id} and those it depends on under {@code dir}; returns their ids. */
    public List<String> exportSnapshot(String id, java.nio.file.Path dir) {
        return translated("exporting snapshot " + id, () -> new SnapshotTransfer(store).export(id, dir));
    }

    /**
     * Imports the snapshots exported under {@code dir}. Their disks name their base image by
     * digest, so they restore here once this home has built the same image.
     */
    public List<Snapshot> importSnapshots(java.nio.file.Path dir) {
        return translated("importing snapshots from " + dir, () -> new SnapshotTransfer(store).importFrom(dir));
    }

    /** Snapshots that cannot be evicted now: mapped by running sandboxes, or parents of diffs. */
    public java.util.Set<String> pinnedSnapshots() {
        return translated("reading pins", store::pinned);
    }

    public VerifyReport verifySnapshot(String id) {
        return translated("verifying snapshot " + id, () -> store.verify(id));
    }

    private static <T> T translated(String what, java.util.function.Supplier<T> action) {
        try {
            return action.get();
        } catch (RuntimeException e) {
            throw Failures.translate(what, e);
        }
    }

    public RootfsImage image(Language language) {
        try {
            return images.rootfs(language.recipe());
        } catch (RuntimeException e) {
            throw Failures.translate("building the " + language.id() + " image", e);
        }
    }

    /** The language's image if it is built, without building it. */
    public Optional<RootfsImage> cachedImage(Language language) {
        return images.cachedRootfs(language.recipe());
    }

    public List<RootfsImage> images() {
        return images.listRootfs();
    }

    public GuestKernel kernel() {
        return sandboxes().machine().kernel();
    }

    /** The guest machine of this host, with the accelerator chosen and why. */
    public MachineResolver.Resolved machine() {
        return machines.resolve();
    }

    private SandboxFactory sandboxes() {
        SandboxFactory current = sandboxes;
        if (current == null) {
            synchronized (this) {
                if (sandboxes == null) {
                    GuestMachine machine = machines.resolve().machine();
                    sandboxes = new SandboxFactory(machine, new RunDirectories(home.run()),
                            new OverlayTemplates(machine.vmm(), home.overlayTemplates()), standbys);
                }
                current = sandboxes;
            }
        }
        return current;
    }
}
