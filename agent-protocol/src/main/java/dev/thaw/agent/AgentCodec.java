package dev.thaw.agent;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Encodes and decodes the frames of PROTOCOL.md, in both directions. */
public final class AgentCodec {

    public static final int MAX_FRAME = 64 << 20;

    static final int PING = 0x01, SEED = 0x02, RUN = 0x03;
    static final int READY = 0x81, SEEDED = 0x82, RESULT = 0x83, FAILURE = 0x84;

    private AgentCodec() {}

    public static byte[] encode(HostMessage message) {
        Body body = new Body();
        int type = switch (message) {
            case HostMessage.Ping p -> {
                body.u64(p.nonce());
                yield PING;
            }
            case HostMessage.Seed s -> {
                body.bytes(s.entropy()).u64(s.unixNanos());
                yield SEED;
            }
            case HostMessage.Run r -> {
                body.u32(r.resident() ? 1 : 0).u32(r.timeoutMs()).u32(r.outputCap()).string(r.codeFile())
                        .bytes(r.code()).bytes(r.stdin()).strings(r.argv()).strings(r.env());
                yield RUN;
            }
        };
        return body.frame(type);
    }

    public static byte[] encode(GuestMessage message) {
        Body body = new Body();
        int type = switch (message) {
            case GuestMessage.Ready r -> {
                body.u64(r.nonce()).string(r.agentVersion()).u32(r.residentRunner() ? 1 : 0);
                yield READY;
            }
            case GuestMessage.Seeded s -> SEEDED;
            case GuestMessage.Result r -> {
                int flags = (r.timedOut() ? 1 : 0) | (r.stdoutTruncated() ? 2 : 0) | (r.stderrTruncated() ? 4 : 0);
                body.u32(r.exitCode()).u32(r.signal()).u32(flags).u64(r.durationMicros()).bytes(r.stdout())
                        .bytes(r.stderr());
                yield RESULT;
            }
            case GuestMessage.Failure f -> {
                body.string(f.message());
                yield FAILURE;
            }
        };
        return body.frame(type);
    }

    /** Reads one guest frame; blocks until it is complete. */
    public static GuestMessage readGuest(InputStream in) throws IOException {
        Frame f = Frame.read(in);
        return switch (f.type) {
            case READY -> new GuestMessage.Ready(f.data.readLong(), f.string(), (f.data.readInt() & 1) != 0);
            case SEEDED -> new GuestMessage.Seeded();
            case RESULT -> {
                int exit = f.data.readInt(), signal = f.data.readInt(), flags = f.data.readInt();
                yield new GuestMessage.Result(exit, signal, (flags & 1) != 0, (flags & 2) != 0, (flags & 4) != 0,
                        f.data.readLong(), f.bytes(), f.bytes());
            }
            case FAILURE -> new GuestMessage.Failure(f.string());
            default -> throw unknown(f.type);
        };
    }

    /** Reads one host frame; used by fake agents in tests. */
    public static HostMessage readHost(InputStream in) throws IOException {
        Frame f = Frame.read(in);
        return switch (f.type) {
            case PING -> new HostMessage.Ping(f.data.readLong());
            case SEED -> new HostMessage.Seed(f.bytes(), f.data.readLong());
            case RUN -> new HostMessage.Run((f.data.readInt() & 1) != 0, f.data.readInt(), f.data.readInt(),
                    f.string(), f.bytes(), f.bytes(), f.strings(), f.strings());
            default -> throw unknown(f.type);
        };
    }

    private static AgentException unknown(int type) {
        return new AgentException(AgentException.Code.PROTOCOL, String.format("unknown message type 0x%02x", type));
    }

    /** A received frame: its type and a reader over its body. */
    private record Frame(int type, DataInputStream data) {

        static Frame read(InputStream in) throws IOException {
            DataInputStream data = new DataInputStream(in);
            int length = data.readInt();
            if (length < 1 || length > MAX_FRAME) {
                throw new AgentException(AgentException.Code.PROTOCOL,
                        "frame length " + Integer.toUnsignedString(length) + " is outside 1.." + MAX_FRAME);
            }
            byte[] frame = data.readNBytes(length);
            if (frame.length < length) {
                throw new EOFException("channel closed in the middle of a frame");
            }
            return new Frame(frame[0] & 0xff, new DataInputStream(new java.io.ByteArrayInputStream(frame, 1, length - 1)));
        }

        byte[] bytes() throws IOException {
            int length = data.readInt();
            if (length < 0 || length > data.available()) {
                throw new AgentException(AgentException.Code.PROTOCOL, "field length " + length + " exceeds the frame");
            }
            return data.readNBytes(length);
        }

        String string() throws IOException {
            return new String(bytes(), StandardCharsets.UTF_8);
        }

        List<String> strings() throws IOException {
            int count = data.readInt();
            if (count < 0 || count > data.available()) {
                throw new AgentException(AgentException.Code.PROTOCOL, "list count " + count + " exceeds the frame");
            }
            List<String> list = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                list.add(string());
            }
            return list;
        }
    }

    /** A frame body under construction. */
    private static final class Body {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final DataOutputStream out = new DataOutputStream(bytes);

        Body u32(int v) {
            return write(() -> out.writeInt(v));
        }

        Body u64(long v) {
            return write(() -> out.writeLong(v));
        }

        Body bytes(byte[] v) {
            return write(() -> {
                out.writeInt(v.length);
                out.write(v);
            });
        }

        Body string(String v) {
            return bytes(v.getBytes(StandardCharsets.UTF_8));
        }

        Body strings(List<String> v) {
            u32(v.size());
            v.forEach(this::string);
            return this;
        }

        byte[] frame(int type) {
            int length = 1 + bytes.size();
            if (length > MAX_FRAME) {
                throw new AgentException(AgentException.Code.PROTOCOL,
                        "message of " + length + " bytes exceeds the protocol's limit of " + MAX_FRAME);
            }
            ByteArrayOutputStream frame = new ByteArrayOutputStream(4 + length);
            DataOutputStream header = new DataOutputStream(frame);
            try {
                header.writeInt(length);
                header.writeByte(type);
                bytes.writeTo(frame);
            } catch (IOException e) {
                throw new IllegalStateException(e); // in-memory streams do not fail
            }
            return frame.toByteArray();
        }

        private interface Write {
            void run() throws IOException;
        }

        private Body write(Write w) {
            try {
                w.run();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            return this;
        }
    }

    static void writeTo(OutputStream out, byte[] frame) throws IOException {
        out.write(frame);
        out.flush();
    }
}
