package dev.thaw.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BzImageTest {

    @TempDir
    Path dir;

    /** A bzImage as the boot protocol lays it out: setup sectors, then the payload at the header's offset. */
    static byte[] bzImage(int setupSects, int payloadOffset, byte[] payload) {
        int start = (setupSects + 1) * 512 + payloadOffset;
        ByteBuffer image = ByteBuffer.allocate(start + payload.length + 100).order(ByteOrder.LITTLE_ENDIAN);
        image.put(0x1f1, (byte) setupSects);
        image.put(0x202, (byte) 'H').put(0x203, (byte) 'd').put(0x204, (byte) 'r').put(0x205, (byte) 'S');
        image.putInt(0x248, payloadOffset);
        image.putInt(0x24c, payload.length);
        image.put(start, payload);
        return image.array();
    }

    @Test
    void payload_is_found_from_setup_sects_and_the_header_offset() {
        byte[] payload = {0x02, 0x21, 0x4c, 0x18, 1, 2, 3, 4, 5};

        assertThat(BzImage.payload(bzImage(27, 0x3a5, payload))).containsExactly(payload);
    }

    @Test
    void zero_setup_sects_means_four_as_the_boot_protocol_says() {
        byte[] payload = {9, 8, 7};
        byte[] image = bzImage(4, 16, payload);
        image[0x1f1] = 0;

        assertThat(BzImage.payload(image)).containsExactly(payload);
    }

    @Test
    void file_without_setup_header_is_rejected() {
        assertThatThrownBy(() -> BzImage.payload(new byte[4096]))
                .isInstanceOf(ImageException.class)
                .hasMessageContaining("HdrS");
    }

    @Test
    void payload_beyond_the_file_is_rejected_with_its_bounds() {
        byte[] image = bzImage(4, 0, new byte[16]);
        ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN).putInt(0x24c, 1 << 20);

        assertThatThrownBy(() -> BzImage.payload(image))
                .isInstanceOf(ImageException.class)
                .hasMessageContaining("outside");
    }

    @Test
    void gzip_kernel_is_rejected_naming_the_compression_found() throws Exception {
        Path file = dir.resolve("vmlinuz");
        Files.write(file, bzImage(4, 0, new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0}));

        assertThatThrownBy(() -> BzImage.extractVmlinux(file, dir.resolve("vmlinux")))
                .isInstanceOf(ImageException.class)
                .hasMessageContaining("1f8b0800")
                .hasMessageContaining("gzip");
    }

    @Test
    void zstd_and_xz_payloads_are_named() {
        assertThat(BzImage.compressionOf(new byte[] {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd})).isEqualTo("zstd");
        assertThat(BzImage.compressionOf(new byte[] {(byte) 0xfd, '7', 'z', 'X', 'Z', 0})).isEqualTo("xz");
        assertThat(BzImage.compressionOf(new byte[] {1, 2})).isEqualTo("unknown compression");
    }
}
