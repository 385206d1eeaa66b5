package dev.thaw.snapshot;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Guest memory images on disk: sparse files in which zero pages are holes. */
public final class MemoryFiles {

    static final int PAGE = MemoryDiffWriter.PAGE_SIZE;
    private static final MemorySegment ZERO_PAGE = MemorySegment.ofArray(new byte[PAGE]);

    private MemoryFiles() {}

    public static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw StoreFailures.io("cannot read the size of " + file.getFileName(), file, e);
        }
    }

    /** Bytes of disk the file occupies: less than its size by its holes. */
    public static long allocatedBytes(Path file) {
        try {
            return FileFacts.allocatedBytes(file);
        } catch (IOException e) {
            throw StoreFailures.io("cannot read the size of " + file.getFileName(), file, e);
        }
    }

    /**
     * Copies a memory image, reading only its data: holes stay holes, and zero pages
     * written out as zeros become holes too.
     */
    public static void copy(Path from, Path to) throws IOException {
        try (FileChannel out = FileChannel.open(to, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            writeDataPages(from, out);
            setLength(to, Files.size(from));
            out.force(true);
        }
    }

    /** Writes every non-zero page of {@code from} at its own offset in {@code out}. */
    static void writeDataPages(Path from, FileChannel out) throws IOException {
        try (Arena arena = Arena.ofConfined(); FileChannel in = FileChannel.open(from, StandardOpenOption.READ)) {
            long size = in.size();
            for (long[] extent : SparseFiles.dataExtents(from)) {
                long start = SparseFiles.alignDown(extent[0]);
                long end = Math.min(size, SparseFiles.alignUp(extent[1]));
                copyNonZeroPages(in.map(FileChannel.MapMode.READ_ONLY, start, end - start, arena), start, out);
            }
        }
    }

    static MemorySegment map(Path file, Arena arena) throws IOException {
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            return in.map(FileChannel.MapMode.READ_ONLY, 0, in.size(), arena);
        }
    }

    /** Writes runs of non-zero pages of {@code memory}, which starts at {@code base}, at their offsets. */
    private static void copyNonZeroPages(MemorySegment memory, long base, FileChannel out) throws IOException {
        long size = memory.byteSize();
        long runStart = -1;
        for (long offset = 0; offset <= size; offset += PAGE) {
            boolean data = offset < size && !isZero(memory, offset);
            if (data && runStart < 0) {
                runStart = offset;
            } else if (!data && runStart >= 0) {
                write(out, memory.asSlice(runStart, offset - runStart), base + runStart);
                runStart = -1;
            }
        }
    }

    static boolean isZero(MemorySegment memory, long offset) {
        long end = Math.min(offset + PAGE, memory.byteSize());
        return MemorySegment.mismatch(memory, offset, end, ZERO_PAGE, 0, end - offset) < 0;
    }

    static void write(FileChannel out, MemorySegment data, long position) throws IOException {
        ByteBuffer buffer = data.asByteBuffer();
        while (buffer.hasRemaining()) {
            out.write(buffer, position + buffer.position());
        }
    }

    /** Extends (with a hole) or cuts a file to {@code bytes}. */
    static void setLength(Path file, long bytes) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(bytes);
        }
    }
}
