package dev.thaw.images;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.compress.archivers.cpio.CpioArchiveEntry;
import org.apache.commons.compress.archivers.cpio.CpioArchiveInputStream;
import org.junit.jupiter.api.Test;

class InitramfsTest {

    private static byte[] bytes(Initramfs image) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        image.writeTo(out);
        return out.toByteArray();
    }

    static List<CpioArchiveEntry> entries(byte[] cpio) throws IOException {
        List<CpioArchiveEntry> entries = new ArrayList<>();
        try (CpioArchiveInputStream in = new CpioArchiveInputStream(new ByteArrayInputStream(cpio))) {
            for (CpioArchiveEntry e; (e = in.getNextEntry()) != null; ) {
                entries.add(e);
            }
        }
        return entries;
    }

    @Test
    void same_entries_in_any_order_give_the_same_bytes() throws IOException {
        Initramfs first = new Initramfs().file("init", "#!/bin/sh\n".getBytes(StandardCharsets.UTF_8), 0755)
                .symlink("bin/sh", "busybox").directory("proc").file("lib/modules/a.ko", new byte[] {1, 2}, 0644);
        Initramfs second = new Initramfs().file("lib/modules/a.ko", new byte[] {1, 2}, 0644).directory("proc")
                .symlink("bin/sh", "busybox").file("init", "#!/bin/sh\n".getBytes(StandardCharsets.UTF_8), 0755);

        assertThat(bytes(first)).isEqualTo(bytes(second));
    }

    @Test
    void entries_are_sorted_owned_by_root_with_zero_times_and_parents_first() throws IOException {
        byte[] cpio = bytes(new Initramfs().file("sbin/thaw-agent", new byte[] {7}, 0755).directory("proc")
                .file("init", new byte[] {1}, 0755));

        List<CpioArchiveEntry> entries = entries(cpio);

        assertThat(entries).extracting(CpioArchiveEntry::getName).containsExactly("init", "proc", "sbin", "sbin/thaw-agent");
        assertThat(entries).allSatisfy(e -> {
            assertThat(e.getTime()).isZero();
            assertThat(e.getUID()).isZero();
            assertThat(e.getGID()).isZero();
            assertThat(e.getFormat()).isEqualTo(org.apache.commons.compress.archivers.cpio.CpioConstants.FORMAT_NEW);
        });
        assertThat(entries.get(3).getMode() & 07777).isEqualTo(0755);
    }

    @Test
    void console_device_node_is_a_character_device_5_1() throws IOException {
        CpioArchiveEntry console = entries(bytes(new Initramfs().charDevice("dev/console", 5, 1))).get(1);

        assertThat(console.getName()).isEqualTo("dev/console");
        assertThat(console.isCharacterDevice()).isTrue();
        assertThat(console.getRemoteDeviceMaj()).isEqualTo(5);
        assertThat(console.getRemoteDeviceMin()).isEqualTo(1);
    }
}
