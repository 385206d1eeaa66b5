package dev.thaw.snapshot;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/** What the store needs to know about a file: digest, allocated size, and a change key. */
final class FileFacts {

    /** Large reads keep hashing near SHA-256's own speed. */
    private static final int BUFFER = 1 << 20;
    private static final byte[] ZEROS = new byte[BUFFER];
    /** Below this size a file is read whole: asking for its holes costs more than it saves. */
    private static final long SPARSE_WORTHWHILE = 16L << 20;

    private FileFacts() {}

    /**
     * The sha256 of the file's content. Holes are hashed as the zeros they read as, without
     * reading them: a 512 MiB memory file with 100 MiB of data costs 100 MiB of reads.
     */
    static String sha256(Path file) throws IOException {
        MessageDigest digest = sha256Digest();
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buffer = ByteBuffer.allocate(BUFFER);
            long hashed = 0;
            List<long[]> extents = in.size() < SPARSE_WORTHWHILE ? List.of(new long[] {0, in.size()})
                    : SparseFiles.dataExtents(file);
            for (long[] extent : extents) {
                hashZeros(digest, extent[0] - hashed);
                hashed = hashRange(in, digest, buffer, extent[0], extent[1]);
            }
            hashZeros(digest, in.size() - hashed);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** Hashes {@code [from, to)}, or less if the file ends first; returns where it stopped. */
    private static long hashRange(FileChannel in, MessageDigest digest, ByteBuffer buffer, long from, long to)
            throws IOException {
        long position = from;
        while (position < to) {
            buffer.clear().limit((int) Math.min(BUFFER, to - position));
            int n = in.read(buffer, position);
            if (n <= 0) {
                break;
            }
            digest.update(buffer.array(), 0, n);
            position += n;
        }
        return position;
    }

    static MessageDigest sha256Digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Hashes {@code count} zero bytes: a hole, without reading it. */
    static void hashZeros(MessageDigest digest, long count) {
        for (long left = count; left > 0; left -= BUFFER) {
            digest.update(ZEROS, 0, (int) Math.min(BUFFER, left));
        }
    }

    /**
     * Bytes of disk the file occupies: less than its size when it has holes. Where that
     * cannot be asked, the apparent size, so that capacity is overestimated, never under.
     */
    static long allocatedBytes(Path file) throws IOException {
        return Libc.allocatedBytes(file).orElse(Files.size(file));
    }

    /**
     * Changes whenever the file's content may have changed: writing updates mtime and ctime
     * (which no one can set back), replacing changes the inode, truncating changes the size.
     */
    static String changeKey(Path file) throws IOException {
        Map<String, Object> a = Files.readAttributes(file, "unix:size,lastModifiedTime,ino,ctime");
        return a.get("size") + ":" + a.get("lastModifiedTime") + ":" + a.get("ino") + ":" + a.get("ctime");
    }
}
