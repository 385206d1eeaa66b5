package dev.thaw.snapshot;

import com.fasterxml.jackson.core.type.TypeReference;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code verified.json}: for each file, the change key ({@link FileFacts#changeKey}) it had
 * when its sha256 last matched the manifest. A file whose key is unchanged need not be
 * hashed again; any write, truncation or replacement changes the key.
 */
final class VerifiedFiles {

    static final String NAME = "verified.json";

    private VerifiedFiles() {}

    static Map<String, String> read(Path dir) {
        Path file = dir.resolve(NAME);
        if (!Files.exists(file)) {
            return new TreeMap<>();
        }
        try {
            return new TreeMap<>(ManifestCodec.JSON.readValue(file.toFile(), new TypeReference<Map<String, String>>() {}));
        } catch (IOException e) {
            return new TreeMap<>(); // an unreadable record only means hashing again
        }
    }

    /** Replaces the record atomically, so concurrent restores read an old or a new one. */
    static void write(Path dir, Map<String, String> keys) throws IOException {
        Path temp = StagingDirs.tempFile(dir, "verified");
        try {
            Files.write(temp, ManifestCodec.JSON.writeValueAsBytes(new TreeMap<>(keys)));
            Files.move(temp, dir.resolve(NAME), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** After a restore check: failing to record costs a re-hash next time, nothing else. */
    static void tryWrite(Path dir, Map<String, String> keys) {
        try {
            write(dir, keys);
        } catch (IOException e) {
            System.getLogger(VerifiedFiles.class.getName()).log(System.Logger.Level.DEBUG,
                    "cannot record verified files in " + dir + ": " + e);
        }
    }
}
