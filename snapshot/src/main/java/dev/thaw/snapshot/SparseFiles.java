package dev.thaw.snapshot;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Sparse files: where their data is, freeing zero pages, allocating every block. Guest
 * memory is mostly pages the guest never touched or zeroed; as holes they cost no disk and
 * need not be read to be hashed or copied.
 */
public final class SparseFiles {

    static final int PAGE = MemoryDiffWriter.PAGE_SIZE;

    private SparseFiles() {}

    /**
     * The {@code [start, end)} ranges of {@code file} that hold data, in order. Where the
     * platform cannot tell, the whole file is one range: slower to read, never wrong.
     */
    static List<long[]> dataExtents(Path file) throws IOException {
        long size = Files.size(file);
        return Libc.dataExtents(file).orElse(size == 0 ? List.of() : List.of(new long[] {0, size}));
    }

    /** Bytes of disk {@code file} occupies; its apparent size where the platform cannot tell. */
    public static long allocatedBytes(Path file) throws IOException {
        return FileFacts.allocatedBytes(file);
    }

    /**
     * Frees every all-zero page that occupies disk, so that only pages with data do.
     * Returns the bytes freed (0 where the file system cannot punch holes).
     */
    public static long punchZeroPages(Path file) throws IOException {
        List<long[]> zeroRuns = new ArrayList<>();
        try (Arena arena = Arena.ofConfined(); FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = in.size();
            for (long[] extent : dataExtents(file)) {
                long start = alignDown(extent[0]);
                long end = Math.min(size, alignUp(extent[1]));
                zeroRuns.addAll(zeroRuns(in.map(FileChannel.MapMode.READ_ONLY, start, end - start, arena), start));
            }
        }
        if (zeroRuns.isEmpty() || Libc.fallocate(file, Libc.FALLOC_PUNCH_HOLE, zeroRuns) != 0) {
            return 0;
        }
        return zeroRuns.stream().mapToLong(r -> r[1] - r[0]).sum();
    }

    /** Allocates every block of {@code file}, holes included: what a store without sparse files keeps. */
    public static void allocateFully(Path file) throws IOException {
        int errno = Libc.fallocate(file, Libc.FALLOC_ALLOCATE, List.of(new long[] {0, Files.size(file)}));
        if (errno != 0) {
            throw new IOException("cannot allocate " + file + " (errno " + errno + ")");
        }
    }

    /** Runs of whole zero pages in {@code data}, which starts at {@code base} in its file. */
    private static List<long[]> zeroRuns(MemorySegment data, long base) {
        List<long[]> runs = new ArrayList<>();
        long runStart = -1;
        long size = data.byteSize();
        for (long offset = 0; offset <= size; offset += PAGE) {
            boolean zero = offset + PAGE <= size && MemoryFiles.isZero(data, offset);
            if (zero && runStart < 0) {
                runStart = offset;
            } else if (!zero && runStart >= 0) {
                runs.add(new long[] {base + runStart, base + offset});
                runStart = -1;
            }
        }
        return runs;
    }

    static long alignDown(long offset) {
        return offset - offset % PAGE;
    }

    static long alignUp(long offset) {
        return alignDown(offset + PAGE - 1);
    }
}
