package dev.thaw.snapshot;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code manifest.sha256}: the sha256 of {@code manifest.json}, in {@code sha256sum} format so
 * that {@code sha256sum -c manifest.sha256} in the snapshot directory checks it too. The
 * manifest holds every other file's digest; without a digest of its own, a flipped byte in
 * it (a file's sha256, the language, the command line) passes unnoticed or blames a file
 * that is fine. Checked at every restore: the manifest is a kilobyte.
 */
final class ManifestDigest {

    static final String NAME = "manifest.sha256";
    private static final Pattern LINE = Pattern.compile("([0-9a-f]{64})  " + Pattern.quote(SnapshotFiles.MANIFEST) + "\n");

    private ManifestDigest() {}

    /** Records the digest of {@code dir}'s manifest as it is now, durably. */
    static void write(Path dir) throws IOException {
        Path file = dir.resolve(NAME);
        String sha256 = FileFacts.sha256(dir.resolve(SnapshotFiles.MANIFEST));
        Files.writeString(file, sha256 + "  " + SnapshotFiles.MANIFEST + "\n", StandardCharsets.US_ASCII);
        StagingDirs.fsync(file);
    }

    /** Whether {@code dir} records a digest of its manifest at all. */
    static boolean recorded(Path dir) {
        return Files.exists(dir.resolve(NAME));
    }

    /** The manifest of {@code dir} against its recorded digest. */
    static VerifyReport.FileCheck check(Path dir) {
        Path manifest = dir.resolve(SnapshotFiles.MANIFEST);
        long size = manifest.toFile().length();
        if (!recorded(dir)) {
            return result(size, null, null, "cannot be checked: " + NAME + " is missing (made by an earlier Thaw, "
                    + "or removed)");
        }
        String expected;
        try {
            // Latin-1 decodes any byte, so a damaged file fails the pattern, not the decoding.
            Matcher line = LINE.matcher(Files.readString(dir.resolve(NAME), StandardCharsets.ISO_8859_1));
            if (!line.matches()) {
                return result(size, null, null, "cannot be checked: " + NAME + " is damaged (it is not one "
                        + "'SHA256  " + SnapshotFiles.MANIFEST + "' line)");
            }
            expected = line.group(1);
        } catch (IOException e) {
            return result(size, null, null, "cannot be checked: " + NAME + " cannot be read (" + e + ")");
        }
        try {
            String actual = FileFacts.sha256(manifest);
            return result(size, expected, actual, actual.equals(expected) ? null
                    : "has sha256 " + actual + " but " + NAME + " says " + expected);
        } catch (IOException e) {
            return result(size, expected, null, "cannot be read: " + e);
        }
    }

    /**
     * Fails unless the snapshot's manifest matches its recorded digest. One without a digest
     * was made by a Thaw from before digests: INCOMPATIBLE, so that a language's own snapshot
     * is made again by itself, as for any other stale snapshot.
     */
    static void require(Snapshot snapshot) {
        Path dir = snapshot.files().dir();
        Manifest m = snapshot.manifest();
        if (!recorded(dir)) {
            throw new SnapshotException(SnapshotException.Code.INCOMPATIBLE, "snapshot '" + m.id()
                    + "' was made by an earlier Thaw that did not record its manifest's digest (" + NAME
                    + "), so its manifest cannot be checked. " + SnapshotException.recreate(m.id(), m.language()));
        }
        VerifyReport.FileCheck check = check(dir);
        if (!check.ok()) {
            throw Integrity.failure(snapshot, check);
        }
    }

    private static VerifyReport.FileCheck result(long size, String expected, String actual, String problem) {
        return new VerifyReport.FileCheck(SnapshotFiles.MANIFEST, size, expected, actual, problem);
    }
}
