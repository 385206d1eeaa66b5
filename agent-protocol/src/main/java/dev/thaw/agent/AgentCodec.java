package dev.thaw.agent;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Encodes and decodes the frames of PROTOCOL.md in both directions. A frame here is the
 * whole unit on the wire: the u32 length, the type byte and the body.
 */
public final class AgentCodec {

    /** Largest value of a frame's length field: the bytes after it (type and body). */
    public static final int MAX_FRAME = 64 << 20;

    static final int PING = 0x01, SEED = 0x02, RUN = 0x03, PUT_FILE = 0x04, GET_FILE = 0x05, WARM = 0x06;
    static final int READY = 0x81, SEEDED = 0x82, RESULT = 0x83, FAILURE = 0x84, FILE_STORED = 0x85, FILE_DATA = 0x86;

    private AgentCodec() {}

    public static byte[] encode(HostMessage message) {
        FrameWriter w = new FrameWriter();
        return switch (message) {
            case HostMessage.Ping p -> w.u64(p.nonce()).finish(PING, "PING");
            case HostMessage.Seed s -> w.bytes(s.entropy()).u64(s.unixNanos()).finish(SEED, "SEED");
            case HostMessage.Run r -> w.u32((r.resident() ? 1 : 0) | (r.last() ? 2 : 0)).u32(r.timeoutMs())
                    .u32(r.outputCap()).string(r.codeFile()).bytes(r.code()).bytes(r.stdin()).strings(r.argv())
                    .strings(r.env()).finish(RUN, "RUN");
            case HostMessage.PutFile p -> w.string(p.path()).u32(p.mode()).bytes(p.data()).finish(PUT_FILE, "PUT_FILE");
            case HostMessage.GetFile g -> w.string(g.path()).finish(GET_FILE, "GET_FILE");
            case HostMessage.Warm m -> w.u32(m.timeoutMs()).finish(WARM, "WARM");
        };
    }

    public static byte[] encode(GuestMessage message) {
        FrameWriter w = new FrameWriter();
        return switch (message) {
            case GuestMessage.Ready r -> w.u64(r.nonce()).string(r.agentVersion())
                    .u32((r.residentRunner() ? 1 : 0) | (r.residentLoading() ? 2 : 0)).finish(READY, "READY");
            case GuestMessage.Seeded s -> w.finish(SEEDED, "SEEDED");
            case GuestMessage.Result r -> w.u32(r.exitCode()).u32(r.signal())
                    .u32((r.timedOut() ? 1 : 0) | (r.stdoutTruncated() ? 2 : 0) | (r.stderrTruncated() ? 4 : 0))
                    .u64(r.durationMicros()).bytes(r.stdout()).bytes(r.stderr()).finish(RESULT, "RESULT");
            case GuestMessage.Failure f -> w.string(f.message()).finish(FAILURE, "FAILURE");
            case GuestMessage.FileStored s -> w.finish(FILE_STORED, "FILE_STORED");
            case GuestMessage.FileData d -> w.bytes(d.data()).finish(FILE_DATA, "FILE_DATA");
        };
    }

    /** Decodes one whole guest frame; throws {@link AgentException.Code#PROTOCOL} if it is malformed. */
    public static GuestMessage decodeGuest(byte[] frame) {
        FrameReader f = new FrameReader(frame);
        GuestMessage message = switch (f.type()) {
            case READY -> {
                long nonce = f.u64();
                String version = f.string("agent_version");
                int flags = f.u32();
                yield new GuestMessage.Ready(nonce, version, (flags & 1) != 0, (flags & 2) != 0);
            }
            case SEEDED -> new GuestMessage.Seeded();
            case RESULT -> {
                int exit = f.u32(), signal = f.u32(), flags = f.u32();
                yield new GuestMessage.Result(exit, signal, (flags & 1) != 0, (flags & 2) != 0, (flags & 4) != 0,
                        f.u64(), f.bytes("stdout"), f.bytes("stderr"));
            }
            case FAILURE -> new GuestMessage.Failure(f.string("message"));
            case FILE_STORED -> new GuestMessage.FileStored();
            case FILE_DATA -> new GuestMessage.FileData(f.bytes("data"));
            default -> throw f.unknownType("guest");
        };
        f.expectEnd();
        return message;
    }

    /** Decodes one whole host frame (fake agents in tests use this). */
    public static HostMessage decodeHost(byte[] frame) {
        FrameReader f = new FrameReader(frame);
        HostMessage message = switch (f.type()) {
            case PING -> new HostMessage.Ping(f.u64());
            case SEED -> seed(f.bytes("entropy"), f.u64());
            case RUN -> {
                int flags = f.u32();
                yield new HostMessage.Run((flags & 1) != 0, (flags & 2) != 0, f.u32(), f.u32(), f.string("code_file"),
                        f.bytes("code"), f.bytes("stdin"), f.strings("argv"), f.strings("env"));
            }
            case PUT_FILE -> new HostMessage.PutFile(f.string("path"), f.u32(), f.bytes("data"));
            case GET_FILE -> new HostMessage.GetFile(f.string("path"));
            case WARM -> new HostMessage.Warm(f.u32());
            default -> throw f.unknownType("host");
        };
        f.expectEnd();
        return message;
    }

    private static HostMessage.Seed seed(byte[] entropy, long unixNanos) {
        try {
            return new HostMessage.Seed(entropy, unixNanos);
        } catch (IllegalArgumentException e) {
            throw new AgentException(AgentException.Code.PROTOCOL, e.getMessage(), e);
        }
    }

    /** Reads one guest frame from a blocking stream. */
    public static GuestMessage readGuest(InputStream in) throws IOException {
        return decodeGuest(readFrame(in));
    }

    /** Reads one host frame from a blocking stream. */
    public static HostMessage readHost(InputStream in) throws IOException {
        return decodeHost(readFrame(in));
    }

    /**
     * Checks a frame's length field; the stream cannot be resynchronised after a bad one.
     *
     * @return the number of bytes that follow the length field
     */
    public static int checkLength(int lengthField) {
        if (lengthField < 1 || lengthField > MAX_FRAME) {
            throw new AgentException(AgentException.Code.PROTOCOL, "a frame's length field says "
                    + Integer.toUnsignedString(lengthField) + " bytes; it must be 1 to " + MAX_FRAME
                    + " (64 MiB): the peer speaks another protocol or the stream lost its framing");
        }
        return lengthField;
    }

    private static byte[] readFrame(InputStream in) throws IOException {
        DataInputStream data = new DataInputStream(in);
        int length = checkLength(data.readInt());
        byte[] frame = new byte[4 + length];
        int got = data.readNBytes(frame, 4, length);
        if (got < length) {
            throw new EOFException("stream ended in the middle of a frame: " + got + " of " + length + " bytes");
        }
        frame[0] = (byte) (length >>> 24);
        frame[1] = (byte) (length >>> 16);
        frame[2] = (byte) (length >>> 8);
        frame[3] = (byte) length;
        return frame;
    }

    /** Builds one frame; {@link #finish} fills in the header once the body is known. */
    private static final class FrameWriter {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        FrameWriter() {
            out.writeBytes(new byte[5]); // length and type, filled in by finish
        }

        FrameWriter u32(int v) {
            out.write(v >>> 24);
            out.write(v >>> 16);
            out.write(v >>> 8);
            out.write(v);
            return this;
        }

        FrameWriter u64(long v) {
            return u32((int) (v >>> 32)).u32((int) v);
        }

        FrameWriter bytes(byte[] v) {
            u32(v.length);
            out.writeBytes(v);
            return this;
        }

        FrameWriter string(String v) {
            return bytes(v.getBytes(StandardCharsets.UTF_8));
        }

        FrameWriter strings(List<String> v) {
            u32(v.size());
            v.forEach(this::string);
            return this;
        }

        byte[] finish(int type, String name) {
            byte[] frame = out.toByteArray();
            int length = frame.length - 4;
            if (length > MAX_FRAME) {
                throw new AgentException(AgentException.Code.PROTOCOL, name + " message is " + length
                        + " bytes, over the protocol's limit of " + MAX_FRAME + " (64 MiB); send less data");
            }
            frame[0] = (byte) (length >>> 24);
            frame[1] = (byte) (length >>> 16);
            frame[2] = (byte) (length >>> 8);
            frame[3] = (byte) length;
            frame[4] = (byte) type;
            return frame;
        }
    }
}
