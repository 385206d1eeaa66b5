package dev.thaw.snapshot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Snapshots as directories under one root:
 * <pre>
 *   ID/manifest.json  ID/memory  ID/vmstate  ID/disk.qcow2   the snapshot
 *   ID/memory.pages                   of a diff snapshot: which pages its memory holds
 *   ID/memory.assembled               of a diff snapshot: its chain's memory, made at first restore
 *   ID/memory.packed                  of a full snapshot: its memory compressed; the plain
 *                                     memory file is dropped when unused, made again at restore
 *   ID/manifest.sha256                the manifest's own sha256, in sha256sum format
 *   ID/verified.json                  change keys of files whose sha256 was last confirmed
 *   ID/last-used                      empty; its mtime is the last restore
 *   .staging-ID-PID-N/                a snapshot being written by process PID
 *   .trash-ID-PID-N/                  a snapshot being removed by process PID
 *   .pins/ID/PID-N                    a pin: process PID maps snapshot ID, do not evict it
 *   .pins/.lock                       taken to pin, and to choose and hide an eviction victim
 * </pre>
 * A snapshot becomes visible by one rename of its finished staging directory.
 */
public final class LocalSnapshotStore implements SnapshotStore {

    private static final System.Logger LOG = System.getLogger(LocalSnapshotStore.class.getName());
    private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
    static final String LAST_USED = "last-used";
    /** Small enough to hash at every restore; memory and disk are hashed only after a change. */
    private static final List<String> ALWAYS_HASHED = List.of(SnapshotFiles.VMSTATE);

    private final Path root;
    private final InstantSource clock;
    private final StoreOptions options;
    private final Pins pins;
    private final Evictor evictor;
    private final AtomicBoolean leftoversRemoved = new AtomicBoolean();

    /** A store with the default capacity and sparse memory files. */
    public LocalSnapshotStore(Path root, InstantSource clock) {
        this(root, clock, StoreOptions.defaults(root));
    }

    /** Touches nothing on disk; crashed processes' leftovers go at the first begin or list. */
    public LocalSnapshotStore(Path root, InstantSource clock, StoreOptions options) {
        this.root = root.toAbsolutePath().normalize();
        this.clock = clock;
        this.options = options;
        StoreLock lock = new StoreLock(this.root);
        this.pins = new Pins(this.root, lock);
        this.evictor = new Evictor(this, lock);
    }

    public Path root() {
        return root;
    }

    public StoreOptions options() {
        return options;
    }

    /**
     * Deletes staging and trash directories whose owning process is dead. Runs by itself
     * before the first {@link #begin} or {@link #list}, where the space matters, and not on
     * the restore path, which must stay fast.
     */
    public void removeLeftovers() {
        leftoversRemoved.set(true);
        StagingDirs.removeLeftovers(root);
    }

    private void removeLeftoversOnce() {
        if (!leftoversRemoved.get()) {
            removeLeftovers();
        }
    }

    @Override
    public PendingSnapshot begin(String id, long expectedBytes, boolean replace) {
        checkId(id);
        if (expectedBytes < 0) {
            throw new IllegalArgumentException("expectedBytes must be >= 0, was " + expectedBytes);
        }
        // Checked here so a taken id fails before a VM boots; the publishing rename checks again.
        if (!replace && Files.exists(root.resolve(id))) {
            throw exists(id);
        }
        try {
            Files.createDirectories(root);
            removeLeftoversOnce();
            checkFreeSpace(id, expectedBytes);
            makeRoom(id, expectedBytes);
            return new LocalPendingSnapshot(this, id, StagingDirs.create(root, id), replace, clock);
        } catch (IOException e) {
            throw StoreFailures.io("cannot start snapshot '" + id + "'", root, e);
        }
    }

    /** See {@link Evictor#trimUnpacked}. */
    void trimUnpacked(String keep) {
        evictor.trimUnpacked(keep);
    }

    /** See {@link Evictor#makeRoom}. */
    void makeRoom(String id, long bytes) {
        evictor.makeRoom(id, bytes);
    }

    @Override
    public Set<String> pinned() {
        return pinned(listQuietly());
    }

    Set<String> pinned(List<Snapshot> all) {
        Set<String> pinned = new TreeSet<>();
        for (Snapshot s : all) {
            if (s.manifest().isDiff()) {
                pinned.add(s.manifest().parent());
            }
            if (pins.isPinned(s.manifest().id())) {
                pinned.add(s.manifest().id());
            }
        }
        return pinned;
    }

    @Override
    public SnapshotPin pin(String id) {
        checkId(id);
        return pins.pin(id);
    }

    private void checkFreeSpace(String id, long expectedBytes) throws IOException {
        long free = Files.getFileStore(root).getUsableSpace();
        if (free < expectedBytes) {
            throw new SnapshotException(SnapshotException.Code.DISK_FULL, String.format(
                    "creating snapshot '%s' needs up to %s in %s but only %s are free; free some space "
                            + "(thaw snapshot rm ...) or move Thaw's home with --home",
                    id, mib(expectedBytes), root, mib(free)));
        }
    }

    static String mib(long bytes) {
        return String.format("%.1f MiB (%d bytes)", bytes / 1048576.0, bytes);
    }

    @Override
    public Optional<Snapshot> find(String id) {
        checkId(id);
        SnapshotFiles files = new SnapshotFiles(root.resolve(id));
        if (!Files.isDirectory(files.dir())) {
            return Optional.empty();
        }
        if (!Files.isRegularFile(files.manifest())) {
            if (!Files.isDirectory(files.dir())) {
                return Optional.empty(); // removed meanwhile
            }
            // Published directories always hold a manifest: this one was damaged or not made by Thaw.
            throw new SnapshotException(SnapshotException.Code.MISSING_FILE, "snapshot '" + id + "' has no "
                    + SnapshotFiles.MANIFEST + " in " + files.dir() + "; remove it with: thaw snapshot rm " + id);
        }
        try {
            return Optional.of(describe(ManifestCodec.read(files.manifest(), id), files));
        } catch (IOException e) {
            throw StoreFailures.io("cannot read snapshot '" + id + "'", files.dir(), e);
        }
    }

    /** Every readable snapshot, by id; damaged ones are logged, and {@link #verify} tells more. */
    @Override
    public List<Snapshot> list() {
        return list(System.Logger.Level.WARNING);
    }

    /** Every readable snapshot; one that cannot be read is only logged at DEBUG. */
    List<Snapshot> listQuietly() {
        return list(System.Logger.Level.DEBUG);
    }

    /** @param unreadable how loudly to log a snapshot that cannot be read */
    private List<Snapshot> list(System.Logger.Level unreadable) {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        removeLeftoversOnce();
        List<Snapshot> snapshots = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(root)) {
            for (String id : dirs.map(d -> d.getFileName().toString()).filter(ID.asMatchPredicate()).sorted().toList()) {
                try {
                    find(id).ifPresent(snapshots::add);
                } catch (SnapshotException e) {
                    LOG.log(unreadable, e.getMessage());
                }
            }
        } catch (IOException e) {
            throw StoreFailures.io("cannot list snapshots", root, e);
        }
        return snapshots;
    }

    /**
     * Removes a snapshot. Restores already running keep their files: Linux frees a deleted
     * file only when its last mapping goes.
     */
    @Override
    public void remove(String id) {
        checkId(id);
        Path dir = root.resolve(id);
        if (!Files.isDirectory(dir)) {
            throw notFound(id);
        }
        List<String> children = SnapshotChain.children(id, listQuietly());
        if (!children.isEmpty()) {
            throw new SnapshotException(SnapshotException.Code.IN_USE, "snapshot '" + id + "' cannot be removed: "
                    + "the diff snapshots " + children + " are made against it. Remove them first, or make one of "
                    + "them whole with: thaw snapshot squash " + children.getFirst());
        }
        try {
            StagingDirs.delete(hide(id));
        } catch (IOException e) {
            throw StoreFailures.io("cannot remove snapshot '" + id + "'", dir, e);
        }
    }

    /** One rename hides a snapshot at once; the slow delete of what it returns happens out of sight. */
    Path hide(String id) throws IOException {
        Path trash = StagingDirs.trashName(root, id);
        Files.move(root.resolve(id), trash, StandardCopyOption.ATOMIC_MOVE);
        return trash;
    }

    @Override
    public Snapshot open(String id, HostProfile host) {
        Snapshot snapshot = find(id).orElseThrow(() -> notFound(id));
        for (Snapshot link : SnapshotChain.walk(snapshot, this::find)) {
            ManifestDigest.require(link); // before anything trusts the manifest's fields
            Compatibility.check(link.manifest(), host);
            try {
                Integrity.check(link, ALWAYS_HASHED);
            } catch (IOException e) {
                throw StoreFailures.io("cannot check snapshot '" + link.manifest().id() + "'", link.files().dir(), e);
            }
        }
        Instant now = clock.instant();
        touch(snapshot.files().dir().resolve(LAST_USED), now);
        return new Snapshot(snapshot.manifest(), snapshot.files(), snapshot.allocatedBytes(),
                snapshot.apparentBytes(), now);
    }

    @Override
    public RestoreImage restoreImage(Snapshot opened) {
        List<Snapshot> chain = SnapshotChain.walk(opened, this::find);
        try {
            Snapshot full = chain.getLast();
            boolean unpacked = UnpackedMemory.ensure(full);
            RestoreImage image = new RestoreImage(opened, SnapshotChain.manifestDigest(opened),
                    AssembledMemory.of(chain), opened.files().vmstate(),
                    chain.stream().map(s -> s.files().disk()).toList());
            if (unpacked) { // only then can the plain files have grown; listing the store costs ~50 ms
                trimUnpacked(full.manifest().id());
            }
            return image;
        } catch (IOException e) {
            throw StoreFailures.io("cannot assemble the memory of snapshot '" + opened.manifest().id() + "'",
                    opened.files().dir(), e);
        }
    }

    @Override
    public VerifyReport verify(String id) {
        Snapshot snapshot = find(id).orElseThrow(() -> notFound(id));
        return Integrity.verifyAll(snapshot);
    }

    /** Sizes count every file in the directory: that is what removing it frees. */
    private Snapshot describe(Manifest manifest, SnapshotFiles files) throws IOException {
        long allocated = 0;
        long apparent = 0;
        try (Stream<Path> paths = Files.list(files.dir())) {
            for (Path file : paths.filter(Files::isRegularFile).toList()) {
                allocated += FileFacts.allocatedBytes(file);
                apparent += Files.size(file);
            }
        }
        return new Snapshot(manifest, files, allocated, apparent, lastUsed(files, manifest));
    }

    private static Instant lastUsed(SnapshotFiles files, Manifest manifest) {
        Path marker = files.dir().resolve(LAST_USED);
        try {
            return Files.getLastModifiedTime(marker).toInstant();
        } catch (IOException e) {
            return manifest.createdAt(); // never restored yet
        }
    }

    private static void touch(Path marker, Instant now) {
        try {
            if (!Files.exists(marker)) {
                Files.createFile(marker);
            }
            Files.setLastModifiedTime(marker, FileTime.from(now));
        } catch (IOException e) {
            // last use only orders eviction; failing to record it must not fail a restore
            LOG.log(System.Logger.Level.DEBUG, "cannot record use of " + marker.getParent() + ": " + e);
        }
    }

    static void checkId(String id) {
        if (id == null || !ID.matcher(id).matches()) {
            throw new SnapshotException(SnapshotException.Code.INVALID_ID, (id == null ? "no snapshot id given"
                    : "'" + id + "' is not a valid snapshot id") + ": use 1 to 64 lowercase letters, digits, "
                    + "'.', '_' or '-', starting with a letter or digit");
        }
    }

    static SnapshotException exists(String id) {
        return new SnapshotException(SnapshotException.Code.EXISTS, "snapshot '" + id
                + "' exists; remove it (thaw snapshot rm " + id + ") or replace it (--replace)");
    }

    private SnapshotException notFound(String id) {
        return new SnapshotException(SnapshotException.Code.NOT_FOUND, "no snapshot '" + id + "' in " + root
                + "; see: thaw snapshot list");
    }
}
