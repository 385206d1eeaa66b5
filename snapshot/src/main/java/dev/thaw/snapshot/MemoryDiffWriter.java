package dev.thaw.snapshot;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.BitSet;

/**
 * Writes a diff snapshot's memory. It is handed every page of a clone's RAM and keeps only
 * those that differ from the memory the clone was restored from, at their own offsets in a
 * sparse file, with a page map saying which pages the diff holds ({@link
 * SnapshotFiles#memoryPages()}). A diff's size thus follows what the guest changed, not its
 * memory size.
 */
public final class MemoryDiffWriter implements AutoCloseable {

    public static final int PAGE_SIZE = 4096;
    private static final MemorySegment ZERO_PAGE = MemorySegment.ofArray(new byte[PAGE_SIZE]);

    private final Arena arena = Arena.ofShared();
    private final MemorySegment parent;
    private final FileChannel memory;
    private final SnapshotFiles target;
    private final long memoryBytes;
    private final BitSet changed;

    /**
     * @param parentMemory the memory image the clone was restored from (for a diff of a diff,
     *                     the assembled chain)
     * @param target       the diff snapshot's staging files
     */
    public MemoryDiffWriter(Path parentMemory, SnapshotFiles target, long memoryBytes) {
        this.target = target;
        this.memoryBytes = memoryBytes;
        this.changed = new BitSet(Math.toIntExact(memoryBytes / PAGE_SIZE));
        try (FileChannel in = FileChannel.open(parentMemory, StandardOpenOption.READ)) {
            if (in.size() < memoryBytes) {
                throw new SnapshotException(SnapshotException.Code.CORRUPT, "memory image " + parentMemory + " holds "
                        + in.size() + " bytes, less than the guest's " + memoryBytes);
            }
            this.parent = in.map(FileChannel.MapMode.READ_ONLY, 0, memoryBytes, arena);
            this.memory = FileChannel.open(target.memory(), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING);
        } catch (IOException e) {
            arena.close();
            throw new UncheckedIOException("cannot start the memory diff in " + target.dir(), e);
        }
    }

    /** A page with data: kept if it differs from the parent's page at {@code offset}. */
    public void page(long offset, MemorySegment content) {
        checkOffset(offset);
        if (MemorySegment.mismatch(content, 0, PAGE_SIZE, parent, offset, offset + PAGE_SIZE) < 0) {
            return;
        }
        try {
            var buffer = content.asSlice(0, PAGE_SIZE).asByteBuffer();
            while (buffer.hasRemaining()) {
                memory.write(buffer, offset + buffer.position());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the memory diff " + target.memory(), e);
        }
        changed.set(pageIndex(offset));
    }

    /** A page of zeros: kept (as a hole with its bit set) if the parent's page was not. */
    public void zeroPage(long offset) {
        checkOffset(offset);
        if (MemorySegment.mismatch(ZERO_PAGE, 0, PAGE_SIZE, parent, offset, offset + PAGE_SIZE) >= 0) {
            changed.set(pageIndex(offset));
        }
    }

    public long changedPages() {
        return changed.cardinality();
    }

    /** Sizes the memory file to the guest's memory and writes the page map. */
    public void finish() {
        try {
            MemoryFiles.setLength(target.memory(), memoryBytes); // extends with a hole
            Files.write(target.memoryPages(), PageMap.encode(changed, memoryBytes / PAGE_SIZE));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot finish the memory diff in " + target.dir(), e);
        }
    }

    private void checkOffset(long offset) {
        if (offset < 0 || offset % PAGE_SIZE != 0 || offset + PAGE_SIZE > memoryBytes) {
            throw new IllegalArgumentException("page offset " + offset + " is outside the guest's " + memoryBytes
                    + " bytes or not page-aligned");
        }
    }

    private static int pageIndex(long offset) {
        return Math.toIntExact(offset / PAGE_SIZE);
    }

    @Override
    public void close() {
        try {
            memory.close();
        } catch (IOException e) {
            // nothing was lost: finish() reported any failure to write
        }
        arena.close();
    }
}
