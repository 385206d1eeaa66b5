package dev.thaw.vmm.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.thaw.vmm.GuestPages;
import dev.thaw.vmm.VmmException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class RamStreamFilterTest {

    private static final int PAGE = GuestPages.PAGE_SIZE;
    private static final byte[] HEADER = {0x51, 0x45, 0x56, 0x4d, 0, 0, 0, 3};
    private static final byte[] CONFIGURATION = {0x07, 0, 0, 0, 7, 'm', 'i', 'c', 'r', 'o', 'v', 'm'};
    private static final byte[] DEVICES = {0x04, 0, 0, 0, 3, 9, 'v', 'i', 'r', 't', 'i', 'o', '-', 'b', 'l', 0, 0x00};

    /** Builds streams the way QEMU 7.2 writes them, one call per element. */
    private static final class Stream {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final DataOutputStream out = new DataOutputStream(bytes);

        Stream raw(byte... b) throws IOException {
            out.write(b);
            return this;
        }

        Stream ramStart(long... blockSizes) throws IOException {
            out.write(0x01);
            out.writeInt(2);
            out.write(new byte[] {3, 'r', 'a', 'm', 0, 0, 0, 0, 0, 0, 0, 4});
            out.writeLong(Arrays.stream(blockSizes).sum() | 0x04);
            String[] names = {"mem", "pc.bios"};
            for (int i = 0; i < blockSizes.length; i++) {
                name(names[i]);
                out.writeLong(blockSizes[i]);
                out.writeLong(0);
            }
            return eos().footer();
        }

        Stream section(int type) throws IOException {
            out.write(type);
            out.writeInt(2);
            return this;
        }

        Stream page(long offset, String block, int fill) throws IOException {
            out.writeLong(offset | 0x08 | (block == null ? 0x20 : 0));
            if (block != null) {
                name(block);
            }
            byte[] page = new byte[PAGE];
            Arrays.fill(page, (byte) fill);
            out.write(page);
            return this;
        }

        Stream zero(long offset, String block) throws IOException {
            out.writeLong(offset | 0x02 | (block == null ? 0x20 : 0));
            if (block != null) {
                name(block);
            }
            out.write(0);
            return this;
        }

        Stream eos() throws IOException {
            out.writeLong(0x10);
            return this;
        }

        Stream footer() throws IOException {
            out.write(0x7e);
            out.writeInt(2);
            return this;
        }

        private void name(String name) throws IOException {
            out.write(name.length());
            out.write(name.getBytes(StandardCharsets.US_ASCII));
        }

        byte[] bytes() {
            return bytes.toByteArray();
        }
    }

    private record Taken(long offset, int fill) {}

    private static final class Recorder implements GuestPages {
        final List<Taken> taken = new ArrayList<>();

        @Override
        public void page(long offset, MemorySegment content) {
            assertThat(content.byteSize()).isEqualTo(PAGE);
            taken.add(new Taken(offset, content.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0)));
        }

        @Override
        public void zeroPage(long offset) {
            taken.add(new Taken(offset, 0));
        }
    }

    private static byte[] filter(byte[] stream, Recorder pages) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new RamStreamFilter(new ByteArrayInputStream(stream), out, "mem", pages).run();
        return out.toByteArray();
    }

    @Test
    void guest_ram_pages_go_to_the_receiver_and_everything_else_stays_byte_for_byte() throws IOException {
        byte[] stream = new Stream().raw(HEADER).raw(CONFIGURATION).ramStart(3 * PAGE, PAGE)
                .section(0x02).page(0, "mem", 7).zero(PAGE, null).page(0, "pc.bios", 9).eos().footer()
                .section(0x03).page(2 * PAGE, "mem", 5).eos().footer()
                .raw(DEVICES).bytes();
        Recorder pages = new Recorder();

        byte[] filtered = filter(stream, pages);

        assertThat(pages.taken).containsExactly(new Taken(0, 7), new Taken(PAGE, 0), new Taken(2 * PAGE, 5));
        byte[] expected = new Stream().raw(HEADER).raw(CONFIGURATION)
                .ramStart(3 * PAGE, PAGE)
                .section(0x02).page(0, "pc.bios", 9).eos().footer()
                .section(0x03).eos().footer()
                .raw(DEVICES).bytes();
        assertThat(filtered).isEqualTo(expected);
    }

    @Test
    void a_kept_record_is_named_again_when_a_removed_one_named_another_block_in_between() throws IOException {
        byte[] stream = new Stream().raw(CONFIGURATION).ramStart(2 * PAGE, 2 * PAGE)
                .section(0x02).page(0, "pc.bios", 1).page(0, "mem", 2).page(PAGE, null, 3).eos().footer()
                .section(0x03).page(PAGE, "pc.bios", 4).eos().footer().raw(DEVICES).bytes();

        byte[] filtered = filter(stream, new Recorder());

        byte[] expected = new Stream().raw(CONFIGURATION).ramStart(2 * PAGE, 2 * PAGE)
                .section(0x02).page(0, "pc.bios", 1).eos().footer()
                .section(0x03).page(PAGE, null, 4).eos().footer().raw(DEVICES).bytes();
        assertThat(filtered).isEqualTo(expected);
    }

    @Test
    void a_stream_without_a_ram_section_is_refused() {
        assertThatThrownBy(() -> filter(new byte[5000], new Recorder()))
                .isInstanceOf(VmmException.class).hasMessageContaining("no RAM section start");
    }

    @Test
    void a_stream_without_the_named_block_is_refused() throws IOException {
        byte[] stream = new Stream().raw(CONFIGURATION).ramStart(PAGE).bytes();
        byte[] renamed = new String(stream, StandardCharsets.ISO_8859_1).replace("\u0003mem", "\u0003rom")
                .getBytes(StandardCharsets.ISO_8859_1);

        assertThatThrownBy(() -> filter(renamed, new Recorder()))
                .isInstanceOf(VmmException.class).hasMessageContaining("no RAM block named 'mem'");
    }
}
