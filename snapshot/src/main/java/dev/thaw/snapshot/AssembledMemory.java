package dev.thaw.snapshot;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.BitSet;
import java.util.List;
import java.util.Map;

/**
 * Puts a diff chain's memory together for a restore: the full snapshot's memory, with each
 * diff's changed pages laid over it from the oldest to the newest. A VMM maps one file as
 * guest RAM, so a chain is assembled once, kept beside its newest diff, and made again
 * only when that file changed; zero pages stay holes.
 */
final class AssembledMemory {

    private static final int PAGE = MemoryDiffWriter.PAGE_SIZE;

    private AssembledMemory() {}

    /**
     * @param chain the snapshots from the diff being restored down to its full snapshot
     * @return the memory image to restore {@code chain.getFirst()} from
     */
    static Path of(List<Snapshot> chain) throws IOException {
        Snapshot leaf = chain.getFirst();
        if (!leaf.manifest().isDiff()) {
            return leaf.files().memory();
        }
        Path assembled = leaf.files().assembledMemory();
        Map<String, String> verified = VerifiedFiles.read(leaf.files().dir());
        if (Files.exists(assembled) && FileFacts.changeKey(assembled).equals(verified.get(SnapshotFiles.ASSEMBLED_MEMORY))) {
            return assembled;
        }
        Path temp = StagingDirs.tempFile(leaf.files().dir(), "assembling");
        try {
            long memoryBytes = (long) leaf.manifest().memoryMiB() << 20;
            write(chain, temp, memoryBytes);
            Files.move(temp, assembled, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temp);
        }
        verified.put(SnapshotFiles.ASSEMBLED_MEMORY, FileFacts.changeKey(assembled));
        VerifiedFiles.tryWrite(leaf.files().dir(), verified);
        return assembled;
    }

    private static void write(List<Snapshot> chain, Path target, long memoryBytes) throws IOException {
        try (Arena arena = Arena.ofConfined();
                FileChannel out = FileChannel.open(target, StandardOpenOption.WRITE)) {
            MemoryFiles.writeDataPages(chain.getLast().files().memory(), out);
            for (Snapshot diff : chain.reversed().subList(1, chain.size())) {
                BitSet pages = PageMap.decode(Files.readAllBytes(diff.files().memoryPages()));
                MemorySegment memory = MemoryFiles.map(diff.files().memory(), arena);
                for (int page = pages.nextSetBit(0); page >= 0; page = pages.nextSetBit(page + 1)) {
                    long offset = (long) page * PAGE;
                    MemoryFiles.write(out, memory.asSlice(offset, PAGE), offset);
                }
            }
            MemoryFiles.setLength(target, memoryBytes);
            out.force(true); // a renamed but unwritten image would restore garbage after a crash
        }
    }
}
