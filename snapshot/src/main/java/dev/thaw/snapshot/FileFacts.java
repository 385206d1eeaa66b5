package dev.thaw.snapshot;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/** What the store needs to know about a file: digest, allocated size, and a change key. */
final class FileFacts {

    /** Large reads keep hashing near SHA-256's own speed; holes read as zeros, as they hash. */
    private static final int BUFFER = 1 << 20;

    private FileFacts() {}

    static String sha256(Path file) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] buffer = new byte[BUFFER];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
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
