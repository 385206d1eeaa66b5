package dev.thaw.vmm.qemu;

import dev.thaw.vmm.GuestPages;
import dev.thaw.vmm.VmmException;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Takes one RAM block's pages out of a QEMU migration stream and passes them on the side,
 * copying everything else unchanged. QEMU 7.2 migrates a privately mapped RAM block in
 * full and has no capability to leave it out, so a clone's device state is obtained by
 * letting the whole stream through this filter: the rest of the stream is exactly what a
 * restore over a memory file needs.
 *
 * <p>The stream (QEMU's migration/savevm.c and ram.c): a header, a configuration section,
 * then the "ram" section. Its start lists the RAM blocks; every later part or end section
 * of it holds records {@code be64 offset|flags}, followed, unless flag CONTINUE repeats the
 * previous record's block, by a length-prefixed block name, then a fill byte (ZERO) or a
 * page (PAGE), up to an EOS record; each section ends with a footer. After the last RAM
 * section come the devices' full sections, copied as they are.
 */
final class RamStreamFilter {

    private static final long FLAG_ZERO = 0x02;
    private static final long FLAG_MEM_SIZE = 0x04;
    private static final long FLAG_PAGE = 0x08;
    private static final long FLAG_EOS = 0x10;
    private static final long FLAG_CONTINUE = 0x20;
    private static final long FLAG_BITS = GuestPages.PAGE_SIZE - 1;
    private static final int SECTION_PART = 0x02;
    private static final int SECTION_END = 0x03;
    private static final int SECTION_FOOTER = 0x7e;
    /** A section start: type, 4-byte section id, then idstr "ram", instance 0, version 4. */
    private static final byte[] RAM_START = {0x03, 'r', 'a', 'm', 0, 0, 0, 0, 0, 0, 0, 4};
    private static final int SECTION_HEADER = 1 + 4 + RAM_START.length;
    /** The configuration section before "ram" is a few hundred bytes; more means a foreign stream. */
    private static final int MAX_PREAMBLE = 1 << 20;

    private final DataInputStream in;
    private final DataOutputStream out;
    private final String block;
    private final GuestPages pages;
    private final byte[] page = new byte[GuestPages.PAGE_SIZE];
    private final MemorySegment pageSegment = MemorySegment.ofArray(page);
    private String readBlock;
    private String writtenBlock;
    private long pagesTaken;

    /**
     * @param block name of the RAM block to take out (a memory backend's id, e.g. {@code mem})
     */
    RamStreamFilter(InputStream in, OutputStream out, String block, GuestPages pages) {
        this.in = new DataInputStream(new BufferedInputStream(in, 1 << 20));
        this.out = new DataOutputStream(out);
        this.block = block;
        this.pages = pages;
    }

    /** Filters the whole stream; returns how many pages of the block were taken out. */
    long run() throws IOException {
        int ramSection = copyUntilRamStart();
        copyBlockList();
        copyFooter();
        while (true) {
            int type = in.read();
            if (type < 0) {
                throw malformed("the stream ended inside the RAM sections");
            }
            out.write(type);
            if (type != SECTION_PART && type != SECTION_END) {
                break;
            }
            int section = in.readInt();
            out.writeInt(section);
            if (section != ramSection) {
                break;
            }
            filterRecords();
            copyFooter();
        }
        in.transferTo(out);
        out.flush();
        return pagesTaken;
    }

    /** Copies the header and configuration verbatim; returns the RAM section's id. */
    private int copyUntilRamStart() throws IOException {
        byte[] window = new byte[SECTION_HEADER];
        for (int copied = 0; copied < MAX_PREAMBLE; copied++) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            out.write(b);
            System.arraycopy(window, 1, window, 0, window.length - 1);
            window[window.length - 1] = (byte) b;
            if (window[0] == 0x01 && Arrays.equals(window, 5, window.length, RAM_START, 0, RAM_START.length)) {
                return ((window[1] & 0xff) << 24) | ((window[2] & 0xff) << 16) | ((window[3] & 0xff) << 8)
                        | (window[4] & 0xff);
            }
        }
        throw malformed("no RAM section start within the first " + MAX_PREAMBLE + " bytes");
    }

    /** The RAM section start: total size, then per block its name, length and (x-ignore-shared) address. */
    private void copyBlockList() throws IOException {
        long header = in.readLong();
        out.writeLong(header);
        if ((header & FLAG_MEM_SIZE) == 0) {
            throw malformed("the RAM section does not start with the block list");
        }
        boolean found = false;
        for (long remaining = header & ~FLAG_BITS; remaining > 0; ) {
            String name = copyName();
            long length = in.readLong();
            long address = in.readLong();
            out.writeLong(length);
            out.writeLong(address);
            found |= name.equals(block);
            remaining -= length;
        }
        if (!found) {
            throw malformed("the stream has no RAM block named '" + block + "'");
        }
        long eos = in.readLong();
        out.writeLong(eos);
        if (eos != FLAG_EOS) {
            throw malformed(String.format("expected the end of the block list, found record 0x%x", eos));
        }
    }

    private void filterRecords() throws IOException {
        while (true) {
            long header = in.readLong();
            long flags = header & FLAG_BITS;
            if (flags == FLAG_EOS) {
                out.writeLong(header);
                return;
            }
            if ((flags & FLAG_CONTINUE) == 0) {
                readBlock = readName();
            } else if (readBlock == null) {
                throw malformed("a RAM record continues a block that was never named");
            }
            long offset = header & ~FLAG_BITS;
            if ((flags & FLAG_ZERO) != 0) {
                int fill = in.readUnsignedByte();
                if (readBlock.equals(block) && fill == 0) {
                    take(offset, false);
                } else {
                    writeRecord(offset, flags, new byte[] {(byte) fill});
                }
            } else if ((flags & FLAG_PAGE) != 0) {
                in.readFully(page);
                if (readBlock.equals(block)) {
                    take(offset, true);
                } else {
                    writeRecord(offset, flags, page);
                }
            } else {
                throw malformed(String.format("unsupported RAM record flags 0x%x (compression and XBZRLE must be"
                        + " off)", flags));
            }
        }
    }

    private void take(long offset, boolean hasData) {
        pagesTaken++;
        if (hasData) {
            pages.page(offset, pageSegment);
        } else {
            pages.zeroPage(offset);
        }
    }

    /**
     * Copies a record of another block. Records taken out may have named the block a kept
     * record continues, so the name is written whenever the last written record had another.
     */
    private void writeRecord(long offset, long flags, byte[] payload) throws IOException {
        boolean sameBlock = readBlock.equals(writtenBlock);
        long newFlags = sameBlock ? flags | FLAG_CONTINUE : flags & ~FLAG_CONTINUE;
        out.writeLong(offset | newFlags);
        if (!sameBlock) {
            writeName(readBlock);
            writtenBlock = readBlock;
        }
        out.write(payload);
    }

    private void copyFooter() throws IOException {
        in.mark(1);
        int next = in.read();
        if (next == SECTION_FOOTER) {
            out.write(next);
            out.writeInt(in.readInt());
        } else {
            in.reset();
        }
    }

    private String copyName() throws IOException {
        String name = readName();
        writeName(name);
        return name;
    }

    private String readName() throws IOException {
        byte[] name = new byte[in.readUnsignedByte()];
        in.readFully(name);
        return new String(name, StandardCharsets.US_ASCII);
    }

    private void writeName(String name) throws IOException {
        byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
        out.write(bytes.length);
        out.write(bytes);
    }

    private static VmmException malformed(String why) {
        return new VmmException(VmmException.Code.COMMAND_FAILED, "cannot read QEMU's migration stream: " + why
                + " (Thaw understands the stream of QEMU 7.x)");
    }

}
