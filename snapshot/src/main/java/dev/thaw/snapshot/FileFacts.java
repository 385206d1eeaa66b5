package dev.thaw.snapshot;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/** What the store needs to know about a file: digest, allocated size, and a change key. */
final class FileFacts {

    /** {@code struct stat} on x86-64 Linux: 144 bytes, {@code st_blocks} (512-byte units) at offset 64. */
    private static final long STAT_SIZE = 144;
    private static final long ST_BLOCKS = 64;
    private static final MethodHandle STAT = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("stat").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));

    private FileFacts() {}

    static String sha256(Path file) {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] buffer = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** Bytes of disk the file occupies: less than its size when it has holes. */
    static long allocatedBytes(Path file) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment stat = arena.allocate(STAT_SIZE, 8);
            int rc = (int) STAT.invokeExact(arena.allocateFrom(file.toString()), stat);
            return rc == 0 ? stat.get(ValueLayout.JAVA_LONG, ST_BLOCKS) * 512 : 0;
        } catch (Throwable e) {
            return 0;
        }
    }

    /**
     * Changes whenever the file's content may have changed: writing updates mtime and
     * ctime, replacing changes the inode, truncating changes the size.
     */
    static String changeKey(Path file) {
        try {
            Map<String, Object> a = Files.readAttributes(file, "unix:size,lastModifiedTime,ino,ctime");
            return a.get("size") + ":" + a.get("lastModifiedTime") + ":" + a.get("ino") + ":" + a.get("ctime");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot stat " + file, e);
        }
    }
}
