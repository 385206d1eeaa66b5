package dev.thaw.sandbox.network;

import dev.thaw.sandbox.SandboxException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * Which process owns which slot, across every Thaw process on the host: a slot belongs to
 * whoever holds the exclusive lock on its file. The kernel drops the lock when its holder
 * dies, however it dies, so a slot that can be claimed but whose namespace exists is a
 * leftover of a dead process. The files are never deleted: a process that opened one just
 * before it vanished could lock the orphan while another locked its successor.
 */
final class SlotClaims {

    private final Path directory;

    SlotClaims(Path directory) {
        this.directory = directory;
    }

    /** The host-wide directory: /run is emptied at boot, as namespaces are. */
    static SlotClaims onHost() {
        return new SlotClaims(Path.of("/run/thaw/net"));
    }

    /** Claims the lowest slot nobody holds. */
    Claim claimFree() {
        for (int index = 0; index < NetworkSlot.MAX_SLOTS; index++) {
            Optional<Claim> claim = tryClaim(index);
            if (claim.isPresent()) {
                return claim.get();
            }
        }
        throw new SandboxException(SandboxException.Code.HOST, "all " + NetworkSlot.MAX_SLOTS
                + " network slots are in use; fewer sandboxes with network must run at once");
    }

    Optional<Claim> tryClaim(int index) {
        FileChannel channel = null;
        try {
            Files.createDirectories(directory);
            channel = FileChannel.open(directory.resolve(index + ".lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock == null) {
                channel.close();
                return Optional.empty();
            }
            return Optional.of(new Claim(new NetworkSlot(index), channel));
        } catch (OverlappingFileLockException heldInThisProcess) {
            closeQuietly(channel);
            return Optional.empty();
        } catch (IOException e) {
            closeQuietly(channel);
            throw new SandboxException(SandboxException.Code.HOST,
                    "cannot claim network slot " + index + " under " + directory + ": " + e.getMessage());
        }
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            if (channel != null) {
                channel.close();
            }
        } catch (IOException ignored) {
            // Nothing was claimed through it.
        }
    }

    /** A held slot; closing releases the lock (closing the channel drops it). */
    record Claim(NetworkSlot slot, FileChannel channel) implements AutoCloseable {
        @Override
        public void close() {
            closeQuietly(channel);
        }
    }
}
