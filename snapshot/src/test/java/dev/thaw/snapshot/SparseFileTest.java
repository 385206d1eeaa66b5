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
}
