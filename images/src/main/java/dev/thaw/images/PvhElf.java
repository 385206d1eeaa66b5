package dev.thaw.images;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Checks that an ELF kernel has the Xen PVH entry note ({@code XEN_ELFNOTE_PHYS32_ENTRY}),
 * without which QEMU's microvm cannot boot a {@code vmlinux} directly.
 */
final class PvhElf {

    private static final int PT_NOTE = 4;
    private static final int XEN_ELFNOTE_PHYS32_ENTRY = 18;

    private PvhElf() {}

    static boolean hasPvhEntry(Path elf) {
        try (FileChannel channel = FileChannel.open(elf, StandardOpenOption.READ)) {
            ByteBuffer header = read(channel, 0, 64);
            if (header.getInt(0) != 0x464c457f || header.get(4) != 2 || header.get(5) != 1) {
                return false; // not a 64-bit little-endian ELF
            }
            long phoff = header.getLong(0x20);
            int phentsize = Short.toUnsignedInt(header.getShort(0x36));
            int phnum = Short.toUnsignedInt(header.getShort(0x38));
            for (int i = 0; i < phnum; i++) {
                ByteBuffer ph = read(channel, phoff + (long) i * phentsize, 56);
                if (ph.getInt(0) == PT_NOTE && notesHavePvh(read(channel, ph.getLong(8), (int) ph.getLong(32)))) {
                    return true;
                }
            }
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + elf, e);
        }
    }

    /** Walks a note segment: namesz, descsz, type, then name and descriptor, each padded to 4 bytes. */
    static boolean notesHavePvh(ByteBuffer notes) {
        int at = 0;
        while (at + 12 <= notes.limit()) {
            int namesz = notes.getInt(at);
            int descsz = notes.getInt(at + 4);
            int type = notes.getInt(at + 8);
            if (namesz < 0 || descsz < 0 || at + 12 + namesz > notes.limit()) {
                return false;
            }
            byte[] name = new byte[namesz];
            notes.get(at + 12, name);
            if (type == XEN_ELFNOTE_PHYS32_ENTRY && new String(name, StandardCharsets.US_ASCII).equals("Xen\0")) {
                return true;
            }
            at += 12 + align4(namesz) + align4(descsz);
        }
        return false;
    }

    private static int align4(int n) {
        return (n + 3) & ~3;
    }

    private static ByteBuffer read(FileChannel channel, long position, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (buffer.hasRemaining() && channel.read(buffer, position + buffer.position()) > 0) {
            // keep reading until the range is filled or the file ends
        }
        return buffer.flip();
    }
}
