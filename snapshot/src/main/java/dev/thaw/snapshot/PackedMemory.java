package dev.thaw.snapshot;

import com.github.luben.zstd.ZstdIOException;
import com.github.luben.zstd.ZstdInputStream;
import com.github.luben.zstd.ZstdOutputStream;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * A memory image compressed for keeping at rest: what a snapshot stores while no restore
 * needs its memory mapped. Guest memory compresses about 3-4x (kernel text, page cache,
 * heaps), and a restore can only map a plain file, so a snapshot keeps this form always and
 * the plain one only while it is in use (see {@link UnpackedMemory}).
 *
 * <pre>
 *   "THAWPAK1"                          8 bytes, uncompressed
 *   one zstd frame, with its content checksum, of:
 *     sha256 of the memory image        32 bytes: the manifest's, ties the pack to its snapshot
 *     size of the memory image          u64
 *     number of data extents N          u32
 *     N x (start u64, length u64)       where the image holds data; the rest are holes
 *     the bytes of each extent, in order
 * </pre>
 * The frame's checksum covers the header too, so reading a damaged pack fails instead of
 * restoring wrong memory.
 */
public final class PackedMemory {

    private static final byte[] MAGIC = "THAWPAK1".getBytes(StandardCharsets.US_ASCII);
    private static final int LEVEL = 3;
    private static final int CHUNK = 1 << 20;
    private static final int SHA256_BYTES = 32;

    private PackedMemory() {}

    /** A pack whose bytes are not what {@link #pack} wrote: truncated, altered, or of another image. */
    static final class DamagedPackException extends IOException {
        DamagedPackException(String message) {
            super(message);
        }
    }

    /** What a pack says about the image it holds. */
    record Header(String sha256, long size, List<long[]> extents) {}

    /** Writes {@code memory}, whose content has the given sha256, to {@code packed} and syncs it. */
    static void pack(Path memory, String sha256, Path packed) throws IOException {
        List<long[]> extents = SparseFiles.dataExtents(memory);
        try (FileChannel in = FileChannel.open(memory, StandardOpenOption.READ);
                OutputStream file = new BufferedOutputStream(Files.newOutputStream(packed, StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE), CHUNK)) {
            file.write(MAGIC);
            try (ZstdOutputStream zstd = new ZstdOutputStream(file, LEVEL)) {
                zstd.setChecksum(true);
                zstd.setWorkers(Runtime.getRuntime().availableProcessors());
                DataOutputStream out = new DataOutputStream(zstd);
                writeHeader(out, new Header(sha256, in.size(), extents));
                copyExtents(in, extents, out);
                out.flush();
            }
        }
        StagingDirs.fsync(packed);
    }

    private static void writeHeader(DataOutputStream out, Header header) throws IOException {
        out.write(HexFormat.of().parseHex(header.sha256()));
        out.writeLong(header.size());
        out.writeInt(header.extents().size());
        for (long[] extent : header.extents()) {
            out.writeLong(extent[0]);
            out.writeLong(extent[1] - extent[0]);
        }
    }

    private static void copyExtents(FileChannel in, List<long[]> extents, OutputStream out) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(CHUNK);
        for (long[] extent : extents) {
            for (long at = extent[0]; at < extent[1]; ) {
                buffer.clear().limit((int) Math.min(CHUNK, extent[1] - at));
                int read = in.read(buffer, at);
                if (read < 0) {
                    throw new EOFException("memory image shrank while being packed");
                }
                out.write(buffer.array(), 0, read);
                at += read;
            }
        }
    }

    /**
     * Writes the image held by {@code packed} over {@code target}, with holes where
     * it had them, and syncs it. Fails if the pack is damaged or holds another image than
     * {@code expectedSha256}; {@code target} may then hold part of it, and the caller deletes it.
     */
    static void unpack(Path packed, String expectedSha256, Path target) throws IOException {
        try (FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            Header header = read(packed, expectedSha256,
                    (chunk, length, offset) -> MemoryFiles.write(out, MemorySegment.ofArray(chunk).asSlice(0, length), offset));
            MemoryFiles.setLength(target, header.size());
            out.force(true); // a renamed but unwritten image would restore garbage after a crash
        }
    }

    /** The sha256 of the image {@code packed} holds, computed from its content (holes as zeros). */
    static String sha256(Path packed) throws IOException {
        MessageDigest digest = FileFacts.sha256Digest();
        long[] hashed = {0};
        Header header = read(packed, null, (chunk, length, offset) -> {
            FileFacts.hashZeros(digest, offset - hashed[0]);
            digest.update(chunk, 0, length);
            hashed[0] = offset + length;
        });
        FileFacts.hashZeros(digest, header.size() - hashed[0]);
        return HexFormat.of().formatHex(digest.digest());
    }

    /** Takes a pack's data as it is read, piece by piece, each with its offset in the image. */
    private interface DataSink {
        void accept(byte[] chunk, int length, long offset) throws IOException;
    }

    /**
     * Reads all of {@code packed}, handing its data to {@code sink}, to the frame's end, where
     * its checksum is checked; returns its header.
     *
     * @param expectedSha256 the image the caller needs, or null to accept any
     */
    private static Header read(Path packed, String expectedSha256, DataSink sink) throws IOException {
        try (InputStream file = open(packed)) {
            DataInputStream in = new DataInputStream(new ZstdInputStream(file));
            Header header = readHeader(in, packed, expectedSha256);
            byte[] chunk = new byte[CHUNK];
            for (long[] extent : header.extents()) {
                for (long at = extent[0]; at < extent[1]; ) {
                    int length = (int) Math.min(CHUNK, extent[1] - at);
                    in.readFully(chunk, 0, length);
                    sink.accept(chunk, length, at);
                    at += length;
                }
            }
            if (in.read() != -1) {
                throw new DamagedPackException(packed + " holds more data than its header describes");
            }
            return header;
        } catch (ZstdIOException | EOFException e) {
            DamagedPackException damaged = new DamagedPackException(packed + " is damaged: " + e.getMessage());
            damaged.initCause(e);
            throw damaged;
        }
    }

    private static InputStream open(Path packed) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(packed), CHUNK);
        byte[] magic = in.readNBytes(MAGIC.length);
        if (!Arrays.equals(magic, MAGIC)) {
            in.close();
            throw new DamagedPackException(packed + " is not a packed memory image (it does not start with THAWPAK1)");
        }
        return in;
    }

    /** @param expectedSha256 the image the caller needs, or null to accept any */
    private static Header readHeader(DataInputStream in, Path packed, String expectedSha256) throws IOException {
        byte[] sha = new byte[SHA256_BYTES];
        in.readFully(sha);
        String sha256 = HexFormat.of().formatHex(sha);
        if (expectedSha256 != null && !expectedSha256.equals(sha256)) {
            throw new DamagedPackException(packed + " holds the memory image with sha256 " + sha256 + ", not " + expectedSha256);
        }
        long size = in.readLong();
        int count = in.readInt();
        if (size < 0 || count < 0) {
            throw new DamagedPackException(packed + " has a damaged header");
        }
        List<long[]> extents = new ArrayList<>(Math.min(count, 1 << 16));
        long previousEnd = 0;
        for (int i = 0; i < count; i++) {
            long start = in.readLong();
            long end = start + in.readLong();
            if (start < previousEnd || end < start || end > size) {
                throw new DamagedPackException(packed + " has a damaged header: extent " + i + " is out of order or bounds");
            }
            extents.add(new long[] {start, end});
            previousEnd = end;
        }
        return new Header(sha256, size, extents);
    }
}
