package dev.thaw.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LibcTest {

    @TempDir
    Path dir;

    @Test
    void exchange_swaps_two_directories_in_one_call() throws Exception {
        Path a = Files.createDirectory(dir.resolve("a"));
        Path b = Files.createDirectory(dir.resolve("b"));
        Files.writeString(a.resolve("which"), "a");
        Files.writeString(b.resolve("which"), "b");

        assertThat(Libc.rename(a, b, Libc.RENAME_EXCHANGE)).isZero();

        assertThat(Files.readString(a.resolve("which"))).isEqualTo("b");
        assertThat(Files.readString(b.resolve("which"))).isEqualTo("a");
    }

    @Test
    void noreplace_refuses_an_existing_target_with_eexist_and_exchange_a_missing_one_with_enoent() throws Exception {
        Path a = Files.createDirectory(dir.resolve("a"));
        Path b = Files.createDirectory(dir.resolve("b"));

        assertThat(Libc.rename(a, b, Libc.RENAME_NOREPLACE)).isEqualTo(Libc.EEXIST);
        assertThat(Libc.rename(a, dir.resolve("c"), Libc.RENAME_EXCHANGE)).isEqualTo(Libc.ENOENT);
        assertThat(Libc.rename(a, dir.resolve("c"), Libc.RENAME_NOREPLACE)).isZero();
        assertThat(dir.resolve("c")).isDirectory();
    }

    @Test
    void allocated_bytes_of_an_empty_sparse_file_are_zero() throws Exception {
        Path file = dir.resolve("holes");
        try (var raf = new java.io.RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(16 << 20);
        }

        assertThat(Libc.allocatedBytes(file)).contains(0L);
    }
}
