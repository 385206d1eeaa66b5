package dev.thaw.images;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PvhElfTest {

    private static ByteBuffer note(String name, int type, int descsz) {
        byte[] n = name.getBytes(StandardCharsets.US_ASCII);
        int padded = (n.length + 3) & ~3;
        ByteBuffer b = ByteBuffer.allocate(12 + padded + ((descsz + 3) & ~3)).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(n.length).putInt(descsz).putInt(type).put(n);
        return b.position(0);
    }

    private static ByteBuffer concat(ByteBuffer... notes) {
        ByteBuffer all = ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN);
        for (ByteBuffer n : notes) {
            all.put(n);
        }
        return all.flip();
    }

    @Test
    void xen_phys32_entry_note_is_found_after_other_notes() {
        assertThat(PvhElf.notesHavePvh(concat(note("GNU\0", 3, 20), note("Xen\0", 6, 5), note("Xen\0", 18, 4))))
                .isTrue();
    }

    @Test
    void notes_without_the_pvh_entry_are_not_bootable() {
        assertThat(PvhElf.notesHavePvh(concat(note("GNU\0", 3, 20), note("Xen\0", 6, 5)))).isFalse();
        assertThat(PvhElf.notesHavePvh(concat(note("Linux\0", 18, 4)))).isFalse();
    }
}
