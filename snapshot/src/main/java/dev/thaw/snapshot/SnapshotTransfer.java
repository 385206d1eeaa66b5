package dev.thaw.snapshot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Moves snapshots between Thaw homes as plain directories: an export holds one directory
 * per snapshot of a chain, named by id, with the files of the manifest, except that a memory
 * file the store keeps packed travels as its pack (about a quarter of its data; plain memory
 * files stay sparse). An import unpacks a pack against the manifest's sha256, checks every
 * file against the exported manifest before it publishes anything, and publishes parents
 * before the diffs made against them.
 */
public final class SnapshotTransfer {

    private final SnapshotStore store;

    public SnapshotTransfer(SnapshotStore store) {
        this.store = store;
    }

    /** Writes {@code id} and every snapshot it depends on under {@code target}; returns their ids. */
    public List<String> export(String id, Path target) {
        // Pinned before it is read, so that no create evicts it meanwhile; its parents are pinned by it.
        try (SnapshotPin pin = store.pin(id)) {
            Snapshot leaf = store.find(id).orElseThrow(() -> new SnapshotException(SnapshotException.Code.NOT_FOUND,
                    "no snapshot '" + id + "'; see: thaw snapshot list"));
            List<Snapshot> chain = SnapshotChain.walk(leaf, store::find);
            Files.createDirectories(target);
            for (Snapshot snapshot : chain) {
                copySnapshot(snapshot.files(), snapshot.manifest(), new SnapshotFiles(target.resolve(snapshot.manifest().id())),
                        SnapshotTransfer::exportMemory);
            }
            return chain.stream().map(s -> s.manifest().id()).toList();
        } catch (IOException e) {
            throw StoreFailures.io("cannot export snapshot '" + id + "'", target, e);
        }
    }

    /** Imports every snapshot exported under {@code source}, parents first; returns them. */
    public List<Snapshot> importFrom(Path source) {
        List<Manifest> manifests = exported(source);
        List<Snapshot> imported = new ArrayList<>();
        for (Manifest manifest : parentsFirst(manifests)) {
            if (store.find(manifest.id()).isPresent()) {
                throw new SnapshotException(SnapshotException.Code.EXISTS, "cannot import snapshot '" + manifest.id()
                        + "': this home has a snapshot with that id; remove it first (thaw snapshot rm "
                        + manifest.id() + ")");
            }
            imported.add(importOne(new SnapshotFiles(source.resolve(manifest.id())), manifest));
        }
        return imported;
    }

    private Snapshot importOne(SnapshotFiles from, Manifest manifest) {
        long bytes = manifest.files().values().stream().mapToLong(Manifest.FileEntry::size).sum();
        try (PendingSnapshot pending = store.begin(manifest.id(), bytes, false)) {
            copySnapshot(from, manifest, pending.files(), SnapshotTransfer::importMemory);
            VerifyReport report = Integrity.verifyAgainst(pending.files().dir(), manifest);
            if (!report.ok()) {
                throw new SnapshotException(SnapshotException.Code.CORRUPT, "cannot import snapshot '" + manifest.id()
                        + "' from " + from.dir() + ": " + describe(report.damaged()) + ". Export it again.");
            }
            return pending.commit(manifest);
        } catch (PackedMemory.DamagedPackException e) {
            throw new SnapshotException(SnapshotException.Code.CORRUPT, "cannot import snapshot '" + manifest.id()
                    + "' from " + from.dir() + ": its " + SnapshotFiles.PACKED_MEMORY + " cannot be unpacked ("
                    + e.getMessage() + "). Export it again.");
        } catch (IOException e) {
            throw StoreFailures.io("cannot import snapshot '" + manifest.id() + "'", from.dir(), e);
        }
    }

    private static String describe(List<VerifyReport.FileCheck> damaged) {
        return String.join("; ", damaged.stream().map(c -> c.name() + " " + c.problem()).toList());
    }

    /** Copies one snapshot's memory file between a store and an export, in the form the other side takes. */
    private interface MemoryCopy {
        void copy(SnapshotFiles from, Manifest manifest, SnapshotFiles to) throws IOException;
    }

    private static void copySnapshot(SnapshotFiles from, Manifest manifest, SnapshotFiles to, MemoryCopy memory)
            throws IOException {
        Files.createDirectories(to.dir());
        Files.copy(from.manifest(), to.manifest());
        if (ManifestDigest.recorded(from.dir())) {
            Files.copy(from.dir().resolve(ManifestDigest.NAME), to.dir().resolve(ManifestDigest.NAME));
        }
        for (String name : manifest.files().keySet()) {
            if (name.equals(SnapshotFiles.MEMORY)) {
                memory.copy(from, manifest, to);
            } else {
                Files.copy(from.dir().resolve(name), to.dir().resolve(name));
            }
        }
    }

    /** The pack where the store has one (full snapshots of a sparse store), else the plain file. */
    private static void exportMemory(SnapshotFiles from, Manifest manifest, SnapshotFiles to) throws IOException {
        if (Files.isRegularFile(from.packedMemory())) {
            Files.copy(from.packedMemory(), to.packedMemory());
        } else {
            MemoryFiles.copy(from.memory(), to.memory());
        }
    }

    /**
     * The plain file as exported, or the pack unpacked (its checksum and the manifest's sha256
     * vouch for what it wrote). With neither, nothing: the check before publishing names the
     * missing memory file.
     */
    private static void importMemory(SnapshotFiles from, Manifest manifest, SnapshotFiles to) throws IOException {
        if (Files.exists(from.memory())) {
            MemoryFiles.copy(from.memory(), to.memory());
        } else if (Files.isRegularFile(from.packedMemory())) {
            PackedMemory.unpack(from.packedMemory(), manifest.files().get(SnapshotFiles.MEMORY).sha256(), to.memory());
        }
    }

    private static List<Manifest> exported(Path source) {
        List<Manifest> manifests = new ArrayList<>();
        try (var dirs = Files.list(source)) {
            for (Path dir : dirs.filter(Files::isDirectory).sorted().toList()) {
                Path manifest = dir.resolve(SnapshotFiles.MANIFEST);
                if (Files.isRegularFile(manifest)) {
                    manifests.add(ManifestCodec.read(manifest, dir.getFileName().toString()));
                }
            }
        } catch (IOException e) {
            throw StoreFailures.io("cannot read the export", source, e);
        }
        if (manifests.isEmpty()) {
            throw new SnapshotException(SnapshotException.Code.NOT_FOUND, source + " holds no exported snapshot "
                    + "(a directory per snapshot with a " + SnapshotFiles.MANIFEST + "); make one with: thaw snapshot "
                    + "export ID DIR");
        }
        return manifests;
    }

    /** Orders manifests so that each parent comes before its diffs; parents outside the export must be here. */
    private List<Manifest> parentsFirst(List<Manifest> manifests) {
        Map<String, Manifest> pending = new java.util.LinkedHashMap<>();
        manifests.forEach(m -> pending.put(m.id(), m));
        List<Manifest> ordered = new ArrayList<>();
        while (!pending.isEmpty()) {
            Manifest next = pending.values().stream()
                    .filter(m -> !m.isDiff() || !pending.containsKey(m.parent()))
                    .findFirst().orElseThrow(() -> new SnapshotException(SnapshotException.Code.CORRUPT,
                            "the export's diff snapshots " + pending.keySet() + " depend on each other in a loop"));
            if (next.isDiff() && ordered.stream().noneMatch(m -> m.id().equals(next.parent()))
                    && store.find(next.parent()).isEmpty()) {
                throw new SnapshotException(SnapshotException.Code.MISSING_FILE, "cannot import diff snapshot '"
                        + next.id() + "': its parent '" + next.parent() + "' is neither in the export nor here");
            }
            ordered.add(next);
            pending.remove(next.id());
        }
        return ordered;
    }
}
