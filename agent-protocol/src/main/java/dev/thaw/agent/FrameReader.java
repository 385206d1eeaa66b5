package dev.thaw.agent;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Reads the fields of one whole frame; every overrun is a protocol error naming the field. */
final class FrameReader {

    private final ByteBuffer data;
    private final int type;

    FrameReader(byte[] frame) {
        if (frame.length < 5) {
            throw protocol("a frame needs at least 5 bytes (length and type), got " + frame.length);
        }
        data = ByteBuffer.wrap(frame);
        int length = AgentCodec.checkLength(data.getInt());
        if (length != frame.length - 4) {
            throw protocol("a frame's length field says " + length + " bytes but " + (frame.length - 4) + " follow");
        }
        type = data.get() & 0xff;
    }

    int type() {
        return type;
    }

    int u32() {
        need(4, "u32");
        return data.getInt();
    }

    long u64() {
        need(8, "u64");
        return data.getLong();
    }

    byte[] bytes(String field) {
        need(4, field + " length");
        int length = data.getInt();
        if (length < 0 || length > data.remaining()) {
            throw protocol(name() + " field " + field + " says " + Integer.toUnsignedString(length)
                    + " bytes but only " + data.remaining() + " remain in the frame");
        }
        byte[] value = new byte[length];
        data.get(value);
        return value;
    }

    String string(String field) {
        return new String(bytes(field), StandardCharsets.UTF_8);
    }

    List<String> strings(String field) {
        need(4, field + " count");
        int count = data.getInt();
        // Each entry takes at least its 4-byte length: a larger count cannot be honest.
        if (count < 0 || count > data.remaining() / 4) {
            throw protocol(name() + " list " + field + " says " + Integer.toUnsignedString(count)
                    + " entries but only " + data.remaining() + " bytes remain in the frame");
        }
        List<String> list = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            list.add(string(field + "[" + i + "]"));
        }
        return list;
    }

    void expectEnd() {
        if (data.hasRemaining()) {
            throw protocol(name() + " frame has " + data.remaining() + " bytes after its last field");
        }
    }

    AgentException unknownType(String from) {
        return protocol(String.format("unknown %s message type 0x%02x", from, type));
    }

    private void need(int bytes, String what) {
        if (data.remaining() < bytes) {
            throw protocol(name() + " frame ends inside its " + what + " (" + data.remaining() + " bytes left)");
        }
    }

    private String name() {
        return switch (type) {
            case AgentCodec.PING -> "PING";
            case AgentCodec.SEED -> "SEED";
            case AgentCodec.RUN -> "RUN";
            case AgentCodec.READY -> "READY";
            case AgentCodec.SEEDED -> "SEEDED";
            case AgentCodec.RESULT -> "RESULT";
            case AgentCodec.FAILURE -> "FAILURE";
            default -> String.format("type 0x%02x", type);
        };
    }

    private static AgentException protocol(String message) {
        return new AgentException(AgentException.Code.PROTOCOL, message);
    }
}
