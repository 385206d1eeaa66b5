package dev.thaw.agent;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;

/**
 * Whole frames over a non-blocking socket, with real deadlines. A frame half read when a
 * deadline passes stays buffered, so the next read continues it and the stream keeps its
 * framing. {@link #close} from another thread wakes a blocked read or write.
 */
final class FrameSocket implements AutoCloseable {

    private final SocketChannel channel;
    private final Selector selector;
    private final String name;
    private final ByteBuffer header = ByteBuffer.allocate(4);
    private ByteBuffer frame; // null until the header is complete
    private volatile boolean closed;

    FrameSocket(SocketChannel channel, String name) throws IOException {
        this.channel = channel;
        this.name = name;
        this.selector = Selector.open();
        channel.configureBlocking(false);
    }

    /** The next whole frame, length field included, or null if {@code deadline} passed first. */
    byte[] read(long deadline) {
        try {
            while (true) {
                ByteBuffer target = frame == null ? header : frame;
                int n = channel.read(target);
                if (n < 0) {
                    throw peerClosed();
                }
                if (!target.hasRemaining()) {
                    if (frame != null) {
                        return takeFrame();
                    }
                    int length = AgentCodec.checkLength(header.getInt(0));
                    frame = ByteBuffer.allocate(4 + length).put(header.flip());
                } else if (n == 0 && !await(SelectionKey.OP_READ, deadline)) {
                    return null;
                }
            }
        } catch (IOException e) {
            throw closed("reading", e);
        }
    }

    /**
     * Writes a whole frame. If the deadline passes after part of it went out, the stream has
     * lost its framing: the socket is closed and the failure says so.
     */
    void write(byte[] bytes, long deadline) {
        ByteBuffer out = ByteBuffer.wrap(bytes);
        try {
            while (out.hasRemaining()) {
                if (channel.write(out) == 0 && !await(SelectionKey.OP_WRITE, deadline)) {
                    boolean partial = out.position() > 0;
                    if (partial) {
                        close();
                    }
                    throw new AgentException(AgentException.Code.TIMEOUT, "the agent did not take a "
                            + bytes.length + "-byte frame before the deadline (" + out.position() + " bytes sent"
                            + (partial ? "; the channel is closed because its framing is lost)" : ")"));
                }
            }
        } catch (IOException e) {
            throw closed("writing", e);
        }
    }

    private byte[] takeFrame() {
        byte[] whole = frame.array();
        frame = null;
        header.clear();
        return whole;
    }

    /** Waits until {@code op} is ready; false if the deadline passed. */
    private boolean await(int op, long deadline) throws IOException {
        long remaining = deadline - System.nanoTime();
        if (closed) {
            throw closed("waiting", null);
        }
        if (remaining <= 0) {
            return false;
        }
        try {
            SelectionKey key = channel.keyFor(selector);
            if (key == null) {
                channel.register(selector, op);
            } else {
                key.interestOps(op);
            }
            selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(remaining + 999_999)));
            selector.selectedKeys().clear();
        } catch (ClosedSelectorException e) {
            throw closed("waiting", null);
        }
        if (closed) {
            throw closed("waiting", null);
        }
        return true; // ready, or woken early: the caller tries again and asks once more
    }

    private AgentException peerClosed() {
        String where = frame == null && header.position() == 0 ? ""
                : " in the middle of a frame (" + (frame == null ? header.position() : frame.position()) + " of "
                        + (frame == null ? "?" : frame.capacity()) + " bytes received)";
        return new AgentException(AgentException.Code.CLOSED, "the agent's end of " + name + " closed" + where
                + ": the guest or its VMM has gone away");
    }

    private AgentException closed(String activity, IOException cause) {
        String why = closed ? " was closed by this host" : " failed";
        return new AgentException(AgentException.Code.CLOSED, "the agent channel " + name + why + " while "
                + activity + (cause == null ? "" : ": " + cause), cause);
    }

    @Override
    public void close() {
        closed = true;
        selector.wakeup();
        closeQuietly(channel);
        closeQuietly(selector);
    }

    static void closeQuietly(AutoCloseable c) {
        try {
            if (c != null) {
                c.close();
            }
        } catch (Exception e) {
            // best effort: the peer may already be gone, and there is nothing left to release
        }
    }
}
