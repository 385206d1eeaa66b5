package dev.thaw.snapshot;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Checks a snapshot's files against the sizes and digests in its manifest. */
final class Integrity {

    private Integrity() {}

    /**
     * Fails on the first missing, truncated or altered file. Files in {@code alwaysHashed}
     * are hashed every time; others only if they changed since they were last verified.
     */
    static void check(Snapshot snapshot, List<String> alwaysHashed) {
        Path dir = snapshot.files().dir();
        Map<String, String> verified = VerifiedFiles.read(dir);
        boolean updated = false;
        for (var entry : snapshot.manifest().files().entrySet()) {
            String name = entry.getKey();
            Path file = dir.resolve(name);
            VerifyReport.FileCheck quick = presence(snapshot, name, entry.getValue());
            if (!quick.ok()) {
                throw failure(snapshot, quick, Files.exists(file));
            }
            String key = FileFacts.changeKey(file);
            if (!alwaysHashed.contains(name) && key.equals(verified.get(name))) {
                continue;
            }
            VerifyReport.FileCheck full = hash(snapshot, name, entry.getValue());
            if (!full.ok()) {
                throw failure(snapshot, full, true);
            }
            verified.put(name, key);
            updated = true;
        }
        if (updated) {
            VerifiedFiles.write(dir, verified);
        }
    }

    static VerifyReport verifyAll(Snapshot snapshot) {
        List<VerifyReport.FileCheck> checks = new ArrayList<>();
        Map<String, String> verified = VerifiedFiles.read(snapshot.files().dir());
        for (var entry : snapshot.manifest().files().entrySet()) {
            VerifyReport.FileCheck check = presence(snapshot, entry.getKey(), entry.getValue());
            if (check.ok()) {
                check = hash(snapshot, entry.getKey(), entry.getValue());
            }
            if (check.ok()) {
                verified.put(entry.getKey(), FileFacts.changeKey(snapshot.files().dir().resolve(entry.getKey())));
            }
            checks.add(check);
        }
        VerifiedFiles.write(snapshot.files().dir(), verified);
        return new VerifyReport(snapshot.manifest().id(), checks);
    }

    private static VerifyReport.FileCheck presence(Snapshot snapshot, String name, Manifest.FileEntry expected) {
        Path file = snapshot.files().dir().resolve(name);
        if (!Files.isRegularFile(file)) {
            return new VerifyReport.FileCheck(name, -1, expected.sha256(), null, "missing");
        }
        long size = file.toFile().length();
        if (size != expected.size()) {
            return new VerifyReport.FileCheck(name, size, expected.sha256(), null,
                    "size is " + size + " bytes, the manifest says " + expected.size() + " (truncated or overwritten)");
        }
        return new VerifyReport.FileCheck(name, size, expected.sha256(), null, null);
    }

    private static VerifyReport.FileCheck hash(Snapshot snapshot, String name, Manifest.FileEntry expected) {
        String actual = FileFacts.sha256(snapshot.files().dir().resolve(name));
        String problem = actual.equals(expected.sha256()) ? null
                : "sha256 is " + actual.substring(0, 12) + "…, the manifest says " + expected.sha256().substring(0, 12) + "…";
        return new VerifyReport.FileCheck(name, expected.size(), expected.sha256(), actual, problem);
    }

    private static SnapshotException failure(Snapshot snapshot, VerifyReport.FileCheck check, boolean present) {
        Manifest m = snapshot.manifest();
        String fix = ". Recreate it with: thaw snapshot create --lang " + m.language() + " --id " + m.id() + " --replace";
        SnapshotException.Code code = present ? SnapshotException.Code.CORRUPT : SnapshotException.Code.MISSING_FILE;
        return new SnapshotException(code, "snapshot '" + m.id() + "' is damaged: file " + check.name() + " ("
                + snapshot.files().dir().resolve(check.name()) + ") " + check.problem() + fix);
    }
}
