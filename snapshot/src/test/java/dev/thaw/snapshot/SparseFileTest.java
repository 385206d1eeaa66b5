package dev.thaw.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SparseFileTest {

    private static final int APPARENT = 64 << 20;
    private static final int DATA = 1 << 20;

    @TempDir
    Path dir;

    @Test
    void a_64_mib_file_with_1_mib_of_data_reports_allocated_far_below_apparent_and_hashes_its_holes_as_zeros()
            throws Exception {
        Path file = dir.resolve("memory");
        byte[] whole = new byte[APPARENT];
        byte[] data = new byte[DATA];
        new Random(7).nextBytes(data);
        System.arraycopy(data, 0, whole, 32 << 20, DATA);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(APPARENT);
            raf.seek(32 << 20);
            raf.write(data);
        }

        assertThat(FileFacts.allocatedBytes(file)).isBetween((long) DATA, 2L * DATA);
        assertThat(FileFacts.sha256(file))
                .isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(whole)));
    }

    @Test
    void a_snapshot_reports_allocated_and_apparent_bytes_of_its_files() throws Exception {
        var store = new LocalSnapshotStore(dir, new SnapshotFixtures.TestClock());

        Snapshot snapshot = SnapshotFixtures.create(store, "python", 1);

        assertThat(snapshot.apparentBytes()).isGreaterThan(SnapshotFixtures.MEMORY_BYTES);
        assertThat(snapshot.allocatedBytes()).isLessThan(SnapshotFixtures.MEMORY_BYTES / 4);
    }

    /** 4 MiB: data in page 0, zeros written over 1-2 MiB, data at 3 MiB, a hole elsewhere. */
    private Path fileWithWrittenZeros() throws Exception {
        Path file = dir.resolve("written-zeros");
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(4 << 20);
            raf.write(new byte[] {1, 2, 3});
            raf.seek(1 << 20);
            raf.write(new byte[1 << 20]);
            raf.seek(3 << 20);
            raf.write(new byte[] {4, 5, 6});
        }
        return file;
    }

    @Test
    void punching_frees_zero_pages_that_were_written_and_keeps_the_content() throws Exception {
        Path file = fileWithWrittenZeros();
        String before = FileFacts.sha256(file);
        assertThat(FileFacts.allocatedBytes(file)).isGreaterThanOrEqualTo(1 << 20);

        long freed = SparseFiles.punchZeroPages(file);

        assertThat(freed).isGreaterThanOrEqualTo(1 << 20);
        assertThat(FileFacts.allocatedBytes(file)).isLessThanOrEqualTo(64 << 10);
        assertThat(FileFacts.sha256(file)).isEqualTo(before);
        assertThat(SparseFiles.dataExtents(file)).extracting(e -> e[0]).containsExactly(0L, 3L << 20);
    }

    @Test
    void a_copied_memory_file_keeps_its_holes_and_its_content() throws Exception {
        Path file = fileWithWrittenZeros();
        Path copy = dir.resolve("copy");

        MemoryFiles.copy(file, copy);

        assertThat(copy.toFile().length()).isEqualTo(4 << 20);
        assertThat(FileFacts.allocatedBytes(copy)).isLessThanOrEqualTo(64 << 10);
        assertThat(FileFacts.sha256(copy)).isEqualTo(FileFacts.sha256(file));
    }

    /** Data in scattered runs of pages, holes between: what a guest's memory looks like. */
    @Test
    void a_copy_of_a_file_with_holes_allocates_what_the_original_does_within_a_few_blocks() throws Exception {
        Path file = dir.resolve("scattered");
        Random random = new Random(11);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(APPARENT);
            for (int run = 0; run < 200; run++) {
                raf.seek((long) random.nextInt(APPARENT / 4096 - 16) * 4096);
                byte[] data = new byte[4096 * (1 + random.nextInt(16))];
                random.nextBytes(data);
                raf.write(data);
            }
        }
        Path copy = dir.resolve("copy");

        MemoryFiles.copy(file, copy);

        long original = FileFacts.allocatedBytes(file);
        assertThat(original).isLessThan(APPARENT / 4);
        assertThat(FileFacts.allocatedBytes(copy)).isBetween(original - (64 << 10), original + (64 << 10));
        assertThat(FileFacts.sha256(copy)).isEqualTo(FileFacts.sha256(file));
    }

    @Test
    void allocating_fully_fills_the_holes_for_a_store_without_sparse_files() throws Exception {
        Path file = fileWithWrittenZeros();

        SparseFiles.allocateFully(file);

        assertThat(FileFacts.allocatedBytes(file)).isGreaterThanOrEqualTo(4 << 20);
    }

    @Test
    void a_sparse_store_punches_zero_pages_at_commit_and_a_dense_one_allocates_them() throws Exception {
        var clock = new SnapshotFixtures.TestClock();
        var sparse = new LocalSnapshotStore(dir.resolve("sparse"), clock, new StoreOptions(1L << 40, true));
        var dense = new LocalSnapshotStore(dir.resolve("dense"), clock, new StoreOptions(1L << 40, false));

        Snapshot a = SnapshotFixtures.create(sparse, "python", 1);
        Snapshot b = SnapshotFixtures.create(dense, "python", 1);

        assertThat(FileFacts.allocatedBytes(a.files().memory())).isLessThan(SnapshotFixtures.MEMORY_BYTES / 4);
        assertThat(FileFacts.allocatedBytes(b.files().memory())).isGreaterThanOrEqualTo(SnapshotFixtures.MEMORY_BYTES);
        assertThat(a.manifest().files().get("memory")).isEqualTo(b.manifest().files().get("memory"));
    }
}
