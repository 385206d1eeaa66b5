package dev.thaw.snapshot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

/**
 * The plain memory file of a packed snapshot: what a VMM maps. Made from the pack by the
 * first restore that needs it and kept for the next ones, until the store drops it to stay
 * within its unpacked capacity ({@link Evictor#trimUnpacked}).
 */
final class UnpackedMemory {

    private UnpackedMemory() {}

    /**
     * Unpacks {@code snapshot}'s memory file if only its pack is on disk; returns whether it
     * did. A snapshot with neither was reported by the integrity check already.
     */
    static boolean ensure(Snapshot snapshot) throws IOException {
        SnapshotFiles files = snapshot.files();
        if (!packedOnly(files)) {
            return false;
        }
        Path temp = StagingDirs.tempFile(files.dir(), "unpacking");
        try {
            PackedMemory.unpack(files.packedMemory(), memorySha256(snapshot), temp);
            Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-r--r--")); // as made
            Files.move(temp, files.memory(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (PackedMemory.DamagedPackException e) {
            throw new SnapshotException(SnapshotException.Code.CORRUPT, "snapshot '" + snapshot.manifest().id()
                    + "' is damaged: its packed memory cannot be unpacked (" + e.getMessage() + "). "
                    + SnapshotException.recreate(snapshot.manifest().id(), snapshot.manifest().language()));
        } finally {
            Files.deleteIfExists(temp);
        }
        // The pack's checksum and its recorded sha256 verified what was written.
        Map<String, String> verified = VerifiedFiles.read(files.dir());
        verified.put(SnapshotFiles.MEMORY, FileFacts.changeKey(files.memory()));
        VerifiedFiles.tryWrite(files.dir(), verified);
        return true;
    }

    /**
     * Deletes {@code files}' plain memory file if a pack can stand in for it, so that the
     * next restore unpacks it again; returns whether it did.
     */
    static boolean dropCopy(SnapshotFiles files) throws IOException {
        if (!Files.isRegularFile(files.packedMemory())) {
            return false;
        }
        Files.deleteIfExists(files.memory());
        return true;
    }

    /** Whether {@code files} holds a pack that can stand in for its memory file. */
    static boolean packedOnly(SnapshotFiles files) {
        return !Files.exists(files.memory()) && Files.isRegularFile(files.packedMemory());
    }

    private static String memorySha256(Snapshot snapshot) {
        return snapshot.manifest().files().get(SnapshotFiles.MEMORY).sha256();
    }
}
