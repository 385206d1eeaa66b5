package dev.thaw.snapshot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Checks a snapshot's files against the sizes and digests in its manifest. */
final class Integrity {

    private static final System.Logger LOG = System.getLogger(Integrity.class.getName());

    private Integrity() {}

    /**
     * Fails on the first missing, truncated or altered file. Presence and sizes of all files
     * are checked before any hashing, so a missing file is reported at once. Files in
     * {@code alwaysHashed} are hashed every time; others only if they changed since they
     * were last verified. A damaged plain memory file beside its pack is dropped instead
     * ({@link #droppedDamagedCopy}).
     */
    static void check(Snapshot snapshot, List<String> alwaysHashed) throws IOException {
        Path dir = snapshot.files().dir();
        Map<String, Manifest.FileEntry> stored = stored(snapshot);
        for (var files = stored.entrySet().iterator(); files.hasNext(); ) {
            var entry = files.next();
            VerifyReport.FileCheck quick = presence(dir, entry.getKey(), entry.getValue());
            if (quick.ok()) {
                continue;
            }
            if (!droppedDamagedCopy(snapshot, quick)) {
                throw failure(snapshot, quick);
            }
            files.remove();
        }
        Map<String, String> verified = VerifiedFiles.read(dir);
        boolean updated = false;
        for (var entry : stored.entrySet()) {
            String name = entry.getKey();
            String key = FileFacts.changeKey(dir.resolve(name));
            if (!alwaysHashed.contains(name) && key.equals(verified.get(name))) {
                continue;
            }
            VerifyReport.FileCheck full = hash(dir, name, entry.getValue());
            if (!full.ok()) {
                if (!droppedDamagedCopy(snapshot, full)) {
                    throw failure(snapshot, full);
                }
                verified.remove(name);
                updated = true;
                continue;
            }
            updated |= !key.equals(verified.put(name, key));
        }
        if (updated) {
            VerifiedFiles.tryWrite(dir, verified);
        }
    }

    /**
     * A plain memory file beside its pack is only a copy of it, made for VMMs to map: when
     * the copy fails its check (a stray write, a truncation, another program that opened it
     * as its own memory) it is deleted, and the restore unpacks the pack again, which checks
     * what it writes against the manifest. Clones already running keep the inode they map.
     * Returns false for any other file, whose damage is the snapshot's.
     */
    private static boolean droppedDamagedCopy(Snapshot snapshot, VerifyReport.FileCheck check) throws IOException {
        if (!check.name().equals(SnapshotFiles.MEMORY) || !UnpackedMemory.dropCopy(snapshot.files())) {
            return false;
        }
        LOG.log(System.Logger.Level.WARNING, "snapshot ''{0}'': its plain memory file {1}; dropped it to unpack "
                + "the pack again", snapshot.manifest().id(), check.problem());
        return true;
    }

    /**
     * The manifest's files that are on disk as themselves. A memory file kept only packed is
     * checked when it is unpacked, against the pack's checksum and the manifest's sha256.
     */
    private static Map<String, Manifest.FileEntry> stored(Snapshot snapshot) {
        Map<String, Manifest.FileEntry> files = new TreeMap<>(snapshot.manifest().files());
        if (UnpackedMemory.packedOnly(snapshot.files())) {
            files.remove(SnapshotFiles.MEMORY);
        }
        return files;
    }

    /** Hashes the manifest and every file, whatever the record says, and reports each one. */
    static VerifyReport verifyAll(Snapshot snapshot) {
        Path dir = snapshot.files().dir();
        List<VerifyReport.FileCheck> checks = new ArrayList<>(List.of(ManifestDigest.check(dir)));
        Map<String, String> verified = VerifiedFiles.read(dir);
        if (Files.isRegularFile(snapshot.files().packedMemory())) {
            checks.add(packCheck(snapshot));
        }
        for (var entry : stored(snapshot).entrySet()) {
            String name = entry.getKey();
            VerifyReport.FileCheck check = fullCheck(dir, name, entry.getValue());
            verified.remove(name);
            if (check.ok()) {
                try {
                    verified.put(name, FileFacts.changeKey(dir.resolve(name)));
                } catch (IOException e) {
                    // unrecorded: the next restore hashes it again
                }
            }
            checks.add(check);
        }
        VerifiedFiles.tryWrite(dir, verified);
        return new VerifyReport(snapshot.manifest().id(), checks);
    }

    /**
     * Hashes the files in {@code dir} against {@code manifest}, e.g. before publishing an
     * import, and the manifest against its digest where one came with it (older exports lack it).
     */
    static VerifyReport verifyAgainst(Path dir, Manifest manifest) {
        List<VerifyReport.FileCheck> checks = new ArrayList<>();
        if (ManifestDigest.recorded(dir)) {
            checks.add(ManifestDigest.check(dir));
        }
        for (var entry : manifest.files().entrySet()) {
            checks.add(fullCheck(dir, entry.getKey(), entry.getValue()));
        }
        return new VerifyReport(manifest.id(), checks);
    }

    /** Unpacks the memory pack in passing and hashes what it holds against the manifest's memory. */
    private static VerifyReport.FileCheck packCheck(Snapshot snapshot) {
        Path pack = snapshot.files().packedMemory();
        Manifest.FileEntry memory = snapshot.manifest().files().get(SnapshotFiles.MEMORY);
        long size = pack.toFile().length();
        try {
            String actual = PackedMemory.sha256(pack);
            String problem = actual.equals(memory.sha256()) ? null
                    : "holds memory with sha256 " + actual + " but the manifest's memory has " + memory.sha256();
            return new VerifyReport.FileCheck(SnapshotFiles.PACKED_MEMORY, size, memory.sha256(), actual, problem);
        } catch (IOException e) {
            return new VerifyReport.FileCheck(SnapshotFiles.PACKED_MEMORY, size, memory.sha256(), null,
                    "cannot be unpacked: " + e.getMessage());
        }
    }

    private static VerifyReport.FileCheck fullCheck(Path dir, String name, Manifest.FileEntry expected) {
        VerifyReport.FileCheck check = presence(dir, name, expected);
        if (!check.ok()) {
            return check;
        }
        try {
            return hash(dir, name, expected);
        } catch (IOException e) {
            return new VerifyReport.FileCheck(name, check.size(), expected.sha256(), null, "cannot be read: " + e);
        }
    }

    private static VerifyReport.FileCheck presence(Path dir, String name, Manifest.FileEntry expected) {
        Path file = dir.resolve(name);
        if (!Files.isRegularFile(file)) {
            return new VerifyReport.FileCheck(name, -1, expected.sha256(), null, VerifyReport.MISSING);
        }
        long size = file.toFile().length();
        if (size != expected.size()) {
            return new VerifyReport.FileCheck(name, size, expected.sha256(), null,
                    "is " + size + " bytes but the manifest says " + expected.size() + " (truncated or overwritten)");
        }
        return new VerifyReport.FileCheck(name, size, expected.sha256(), null, null);
    }

    private static VerifyReport.FileCheck hash(Path dir, String name, Manifest.FileEntry expected) throws IOException {
        String actual = FileFacts.sha256(dir.resolve(name));
        String problem = actual.equals(expected.sha256()) ? null
                : "has sha256 " + actual + " but the manifest says " + expected.sha256();
        return new VerifyReport.FileCheck(name, expected.size(), expected.sha256(), actual, problem);
    }

    static SnapshotException failure(Snapshot snapshot, VerifyReport.FileCheck check) {
        Manifest m = snapshot.manifest();
        boolean missing = VerifyReport.MISSING.equals(check.problem());
        return new SnapshotException(missing ? SnapshotException.Code.MISSING_FILE : SnapshotException.Code.CORRUPT,
                "snapshot '" + m.id() + "' is damaged: its file " + check.name() + " ("
                        + snapshot.files().dir().resolve(check.name()) + ") " + check.problem() + ". "
                        + SnapshotException.recreate(m.id(), m.language()));
    }
}
