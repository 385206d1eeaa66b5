package dev.thaw.agent;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * The host's end of the agent channel: a Unix socket that the VMM bridges to the guest's
 * virtio-serial port. Every call has a deadline; a late answer fails with
 * {@link AgentException.Code#TIMEOUT} and leaves the channel usable for the next call.
 * One caller at a time.
 */
public final class AgentChannel implements AutoCloseable {

    private static final Duration PING_INTERVAL = Duration.ofMillis(500);
    private static final long CONNECT_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
    private static final SecureRandom NONCES = new SecureRandom();

    private final SocketChannel channel;
    private final Selector selector;
    private final Path socket;

    private AgentChannel(SocketChannel channel, Path socket) throws IOException {
        this.channel = channel;
        this.socket = socket;
        channel.configureBlocking(false);
        this.selector = Selector.open();
    }

    /**
     * Connects to {@code socket}, retrying until it exists and accepts: the VMM creates it
     * while starting, and there is no event to wait for.
     */
    public static AgentChannel connect(Path socket, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        IOException last = null;
        while (System.nanoTime() < deadline) {
            SocketChannel channel = null;
            try {
                channel = SocketChannel.open(StandardProtocolFamily.UNIX);
                channel.connect(UnixDomainSocketAddress.of(socket));
                return new AgentChannel(channel, socket);
            } catch (IOException e) {
                last = e;
                closeQuietly(channel);
                java.util.concurrent.locks.LockSupport.parkNanos(CONNECT_RETRY_NANOS);
            }
        }
        throw new AgentException(AgentException.Code.CONNECT, "cannot connect to the agent socket " + socket
                + " within " + timeout.toMillis() + " ms" + (last == null ? "" : ": " + last.getMessage()), last);
    }

    /** Waits for the agent to be up: pings until it answers with the same nonce. */
    public GuestMessage.Ready handshake(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long nonce = NONCES.nextLong() | 1;
        while (true) {
            send(new HostMessage.Ping(nonce));
            long attempt = Math.min(deadline, System.nanoTime() + PING_INTERVAL.toNanos());
            GuestMessage reply;
            while ((reply = receive(attempt)) != null) {
                if (reply instanceof GuestMessage.Ready ready && ready.nonce() == nonce) {
                    return ready;
                }
            }
            if (System.nanoTime() >= deadline) {
                throw new AgentException(AgentException.Code.TIMEOUT,
                        "the guest agent did not answer within " + timeout.toMillis() + " ms");
            }
        }
    }

    /** Gives the guest fresh entropy and the wall-clock time. */
    public void seed(byte[] entropy, Instant now, Duration timeout) {
        long unixNanos = now.getEpochSecond() * 1_000_000_000L + now.getNano();
        send(new HostMessage.Seed(entropy, unixNanos));
        await(GuestMessage.Seeded.class, "SEED", timeout);
    }

    /** Runs a program; {@code timeout} bounds the whole exchange, not only the program. */
    public GuestMessage.Result run(HostMessage.Run run, Duration timeout) {
        send(run);
        return await(GuestMessage.Result.class, "RUN", timeout);
    }

    private <T extends GuestMessage> T await(Class<T> expected, String request, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        GuestMessage reply;
        while ((reply = receive(deadline)) != null) {
            if (expected.isInstance(reply)) {
                return expected.cast(reply);
            }
            if (reply instanceof GuestMessage.Failure failure) {
                throw new AgentException(AgentException.Code.GUEST_FAILURE, "the agent could not do " + request + ": "
                        + failure.message());
            }
            // READY frames answer earlier pings; they carry nothing for this request.
        }
        throw new AgentException(AgentException.Code.TIMEOUT,
                "no answer to " + request + " within " + timeout.toMillis() + " ms");
    }

    private void send(HostMessage message) {
        ByteBuffer frame = ByteBuffer.wrap(AgentCodec.encode(message));
        try {
            while (frame.hasRemaining()) {
                if (channel.write(frame) == 0) {
                    waitFor(SelectionKey.OP_WRITE, System.nanoTime() + TimeUnit.SECONDS.toNanos(30));
                }
            }
        } catch (IOException e) {
            throw closed(e);
        }
    }

    /** The next frame, or null if none arrived before {@code deadline}. */
    private GuestMessage receive(long deadline) {
        ByteBuffer header = ByteBuffer.allocate(4);
        if (!fill(header, deadline, true)) {
            return null;
        }
        int length = header.getInt(0);
        if (length < 1 || length > AgentCodec.MAX_FRAME) {
            throw new AgentException(AgentException.Code.PROTOCOL, "frame length " + Integer.toUnsignedString(length)
                    + " from the agent is outside 1.." + AgentCodec.MAX_FRAME);
        }
        ByteBuffer frame = ByteBuffer.allocate(4 + length).put(header.flip());
        // A frame that has begun must be read whole, or the stream loses its framing.
        fill(frame, Math.max(deadline, System.nanoTime() + TimeUnit.SECONDS.toNanos(30)), false);
        try {
            return AgentCodec.readGuest(new ByteArrayInputStream(frame.array()));
        } catch (IOException e) {
            throw new AgentException(AgentException.Code.PROTOCOL, "malformed frame from the agent: " + e.getMessage(), e);
        }
    }

    private boolean fill(ByteBuffer buffer, long deadline, boolean mayGiveUp) {
        try {
            while (buffer.hasRemaining()) {
                int n = channel.read(buffer);
                if (n < 0) {
                    throw closed(null);
                }
                if (n == 0 && !waitFor(SelectionKey.OP_READ, deadline)) {
                    if (mayGiveUp && buffer.position() == 0) {
                        return false;
                    }
                    throw new AgentException(AgentException.Code.TIMEOUT, "the agent stopped in the middle of a frame");
                }
            }
            return true;
        } catch (IOException e) {
            throw closed(e);
        }
    }

    private boolean waitFor(int op, long deadline) throws IOException {
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0) {
            return false;
        }
        SelectionKey key = channel.register(selector, op);
        try {
            return selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(remaining))) > 0;
        } finally {
            key.interestOps(0);
            selector.selectedKeys().clear();
        }
    }

    private AgentException closed(IOException cause) {
        return new AgentException(AgentException.Code.CLOSED, "the agent channel " + socket + " closed"
                + (cause == null ? "" : ": " + cause.getMessage()), cause);
    }

    @Override
    public void close() {
        closeQuietly(selector);
        closeQuietly(channel);
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            // closing is best effort: the peer may already be gone
        }
    }
}
