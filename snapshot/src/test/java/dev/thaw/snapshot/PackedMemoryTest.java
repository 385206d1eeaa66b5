package dev.thaw.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PackedMemoryTest {

    private static final int PAGE = MemoryFiles.PAGE;

    @TempDir
    Path dir;
    private Path memory;
    private String sha256;

    /** 64 MiB with data in three places and holes between, as guest memory looks. */
    @BeforeEach
    void writeMemory() throws IOException {
        memory = dir.resolve("memory");
        Random random = new Random(7);
        try (RandomAccessFile file = new RandomAccessFile(memory.toFile(), "rw")) {
            file.setLength(64L << 20);
            for (long at : new long[] {0, 5L << 20, (64L << 20) - 3 * PAGE}) {
                byte[] data = new byte[3 * PAGE];
                random.nextBytes(data);
                file.seek(at);
                file.write(data);
            }
        }
        sha256 = FileFacts.sha256(memory);
    }

    @Test
    void unpacksTheSameImageWithItsHoles() throws IOException {
        Path packed = dir.resolve("memory.packed");
        PackedMemory.pack(memory, sha256, packed);
        Path unpacked = dir.resolve("unpacked");

        PackedMemory.unpack(packed, sha256, unpacked);

        assertThat(Files.size(unpacked)).isEqualTo(Files.size(memory));
        assertThat(FileFacts.sha256(unpacked)).isEqualTo(sha256);
        assertThat(FileFacts.allocatedBytes(unpacked)).isLessThan(1L << 20);
        assertThat(Files.size(packed)).isLessThan(64L * PAGE);
    }

    @Test
    void hashesWhatItHoldsWithoutUnpacking() throws IOException {
        Path packed = dir.resolve("memory.packed");
        PackedMemory.pack(memory, sha256, packed);

        assertThat(PackedMemory.sha256(packed)).isEqualTo(sha256);
    }

    @Test
    void refusesAPackOfAnotherImage() throws IOException {
        Path packed = dir.resolve("memory.packed");
        PackedMemory.pack(memory, sha256, packed);
        String other = "0".repeat(64);

        assertThatThrownBy(() -> PackedMemory.unpack(packed, other, dir.resolve("unpacked")))
                .isInstanceOf(PackedMemory.DamagedPackException.class)
                .hasMessageContaining("not " + other);
    }

    @Test
    void detectsAFlippedByteAnywhereInThePack() throws IOException {
        Path packed = dir.resolve("memory.packed");
        PackedMemory.pack(memory, sha256, packed);
        long size = Files.size(packed);
        try (RandomAccessFile file = new RandomAccessFile(packed.toFile(), "rw")) {
            long at = size - 100; // inside the compressed data, past the header
            file.seek(at);
            int b = file.read();
            file.seek(at);
            file.write(b ^ 0x40);
        }

        assertThatThrownBy(() -> PackedMemory.unpack(packed, sha256, dir.resolve("unpacked")))
                .isInstanceOf(PackedMemory.DamagedPackException.class);
        assertThatThrownBy(() -> PackedMemory.sha256(packed)).isInstanceOf(PackedMemory.DamagedPackException.class);
    }

    @Test
    void detectsATruncatedPack() throws IOException {
        Path packed = dir.resolve("memory.packed");
        PackedMemory.pack(memory, sha256, packed);
        try (RandomAccessFile file = new RandomAccessFile(packed.toFile(), "rw")) {
            file.setLength(file.length() / 2);
        }

        assertThatThrownBy(() -> PackedMemory.unpack(packed, sha256, dir.resolve("unpacked")))
                .isInstanceOf(PackedMemory.DamagedPackException.class);
    }

    @Test
    void refusesAFileThatIsNoPack() throws IOException {
        assertThatThrownBy(() -> PackedMemory.unpack(memory, sha256, dir.resolve("unpacked")))
                .isInstanceOf(PackedMemory.DamagedPackException.class)
                .hasMessageContaining("THAWPAK1");
    }
}
