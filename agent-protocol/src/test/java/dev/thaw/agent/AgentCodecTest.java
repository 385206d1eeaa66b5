package dev.thaw.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class AgentCodecTest {

    static HostMessage.Run run() {
        return new HostMessage.Run(true, true, 1500, 4096, "main.py", "print('é')".getBytes(), new byte[] {1, 2},
                List.of("/usr/bin/python3", "{file}"), List.of("A=1", "B=ü"));
    }

    @Test
    void host_messages_round_trip() {
        List<HostMessage> messages = List.of(new HostMessage.Ping(-42), new HostMessage.Seed(new byte[32], 1234567890123L),
                run(), new HostMessage.Run(false, false, 0, 0, "x", new byte[0], new byte[0], List.of(), List.of()),
                new HostMessage.Warm(60_000));
        for (HostMessage m : messages) {
            assertThat(AgentCodec.decodeHost(AgentCodec.encode(m))).isEqualTo(m);
        }
    }

    @Test
    void guest_messages_round_trip() {
        List<GuestMessage> messages = List.of(new GuestMessage.Ready(7, "abc123", true, false),
                new GuestMessage.Ready(8, "v", false, true), new GuestMessage.Seeded(),
                new GuestMessage.Result(137, 9, true, false, true, 123456, "out".getBytes(), new byte[0]),
                new GuestMessage.Result(0, 0, false, true, false, 0, new byte[0], "err".getBytes()),
                new GuestMessage.Failure("no runner: ß"));
        for (GuestMessage m : messages) {
            assertThat(AgentCodec.decodeGuest(AgentCodec.encode(m))).isEqualTo(m);
            assertThat(AgentCodec.decodeGuest(AgentCodec.encode(m)).toString()).isEqualTo(m.toString());
        }
    }

    @Test
    void frames_follow_the_layout_of_the_spec() {
        byte[] frame = AgentCodec.encode(new HostMessage.Ping(0x0102030405060708L));
        assertThat(frame).containsExactly(0, 0, 0, 9, 0x01, 1, 2, 3, 4, 5, 6, 7, 8);
        byte[] result = AgentCodec.encode(new GuestMessage.Result(-1, 0, true, true, true, 5, new byte[] {9},
                new byte[0]));
        ByteBuffer b = ByteBuffer.wrap(result);
        assertThat(b.getInt()).isEqualTo(result.length - 4);
        assertThat(b.get() & 0xff).isEqualTo(0x83);
        assertThat(b.getInt()).isEqualTo(-1);
        assertThat(b.getInt()).isZero();
        assertThat(b.getInt()).isEqualTo(7);
        assertThat(b.getLong()).isEqualTo(5);
    }

    @Test
    void reads_frames_from_a_stream() throws Exception {
        byte[] two = concat(AgentCodec.encode(new GuestMessage.Seeded()), AgentCodec.encode(run()));
        ByteArrayInputStream in = new ByteArrayInputStream(two);
        assertThat(AgentCodec.readGuest(in)).isEqualTo(new GuestMessage.Seeded());
        assertThat(AgentCodec.readHost(in)).isEqualTo(run());
        assertThatThrownBy(() -> AgentCodec.readHost(in)).isInstanceOf(EOFException.class);
    }

    @Test
    void a_message_over_64_mib_is_refused_with_the_limit_named() {
        HostMessage.Run huge = new HostMessage.Run(false, false, 1, 1, "f", new byte[AgentCodec.MAX_FRAME],
                new byte[0], List.of("x"), List.of());
        assertThatThrownBy(() -> AgentCodec.encode(huge)).isInstanceOfSatisfying(AgentException.class,
                e -> assertThat(e.code()).isEqualTo(AgentException.Code.PROTOCOL))
                .hasMessageContaining("RUN message is").hasMessageContaining("64 MiB");
    }

    @Test
    void a_message_of_exactly_the_limit_is_accepted() {
        int overhead = AgentCodec.encode(new GuestMessage.Failure("")).length - 4;
        byte[] frame = AgentCodec.encode(new GuestMessage.Failure("a".repeat(AgentCodec.MAX_FRAME - overhead)));
        assertThat(frame.length - 4).isEqualTo(AgentCodec.MAX_FRAME);
        assertThat(((GuestMessage.Failure) AgentCodec.decodeGuest(frame)).message()).hasSize(AgentCodec.MAX_FRAME - overhead);
    }

    @Test
    void a_length_field_over_the_limit_is_a_protocol_error() {
        byte[] frame = {0x04, 0, 0, 1, (byte) 0x83};
        assertProtocolError(() -> AgentCodec.readGuest(new ByteArrayInputStream(frame)), "67108865");
        assertProtocolError(() -> AgentCodec.readGuest(new ByteArrayInputStream(new byte[] {0, 0, 0, 0})), "1 to");
    }

    @Test
    void malformed_bodies_are_protocol_errors_naming_the_problem() {
        byte[] ready = AgentCodec.encode(new GuestMessage.Ready(1, "v", false, false));
        assertProtocolError(() -> AgentCodec.decodeGuest(truncated(ready, 3)), "READY frame ends inside");
        byte[] failure = AgentCodec.encode(new GuestMessage.Failure("abc"));
        failure[8] = 100; // the message's length now exceeds the frame
        assertProtocolError(() -> AgentCodec.decodeGuest(failure), "field message says 100 bytes");
        byte[] extra = AgentCodec.encode(new GuestMessage.Seeded());
        assertProtocolError(() -> AgentCodec.decodeGuest(withTrailingByte(extra)), "1 bytes after its last field");
        assertProtocolError(() -> AgentCodec.decodeGuest(new byte[] {0, 0, 0, 1, 0x42}), "unknown guest message type 0x42");
        assertProtocolError(() -> AgentCodec.decodeHost(AgentCodec.encode(new GuestMessage.Seeded())),
                "unknown host message type 0x82");
    }

    @Test
    void seed_entropy_outside_32_to_512_bytes_is_refused() {
        assertThatThrownBy(() -> new HostMessage.Seed(new byte[31], 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new HostMessage.Seed(new byte[513], 0)).isInstanceOf(IllegalArgumentException.class);
    }

    private static void assertProtocolError(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String text) {
        assertThatThrownBy(call).isInstanceOfSatisfying(AgentException.class,
                e -> assertThat(e.code()).isEqualTo(AgentException.Code.PROTOCOL)).hasMessageContaining(text);
    }

    private static byte[] truncated(byte[] frame, int drop) {
        byte[] shorter = Arrays.copyOf(frame, frame.length - drop);
        ByteBuffer.wrap(shorter).putInt(shorter.length - 4);
        return shorter;
    }

    private static byte[] withTrailingByte(byte[] frame) {
        byte[] longer = Arrays.copyOf(frame, frame.length + 1);
        ByteBuffer.wrap(longer).putInt(longer.length - 4);
        return longer;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
