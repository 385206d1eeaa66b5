package dev.thaw.agent;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The host's end of the agent channel: a Unix socket that the VMM bridges to the guest's
 * virtio-serial port (PROTOCOL.md). Every call has a real deadline: past it the call fails
 * with {@link AgentException.Code#TIMEOUT}, and the late answer, when it comes, is skipped
 * by the next call. {@link #close} from another thread ends a blocked call with
 * {@link AgentException.Code#CLOSED}. One caller at a time.
 */
public final class AgentChannel implements AutoCloseable {

    private static final long PING_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    /**
     * How often to ask whether a loading resident runner is ready. The runner cannot tell the
     * host itself, and a PING costs the agent next to nothing, so this only bounds how late
     * the host learns it.
     */
    private static final long RESIDENT_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
    private static final long CONNECT_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
    private static final SecureRandom NONCES = new SecureRandom();

    private final FrameSocket socket;
    /** SEED and RUN requests sent whose answer has not been read yet. */
    private int unanswered;
    /** Of those, how many belong to earlier calls that gave up: their answers are skipped. */
    private int stale;

    private AgentChannel(FrameSocket socket) {
        this.socket = socket;
    }

    /**
     * Connects to {@code socket}, retrying until it exists and accepts: the VMM creates it
     * while starting, and there is no event to wait for.
     */
    public static AgentChannel connect(Path socket, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        IOException last;
        do {
            SocketChannel channel = null;
            try {
                channel = SocketChannel.open(StandardProtocolFamily.UNIX);
                channel.connect(UnixDomainSocketAddress.of(socket));
                return new AgentChannel(new FrameSocket(channel, socket.toString()));
            } catch (IOException e) {
                last = e;
                FrameSocket.closeQuietly(channel);
                LockSupport.parkNanos(CONNECT_RETRY_NANOS);
            }
        } while (System.nanoTime() < deadline);
        throw new AgentException(AgentException.Code.CONNECT, "could not connect to the agent socket " + socket
                + " within " + timeout.toMillis() + " ms (last error: " + last + "); is the VMM running?", last);
    }

    /**
     * Talks over a socket already connected to the agent, e.g. one accepted from a guest
     * that dials the host, or a Firecracker vsock socket after its CONNECT exchange.
     */
    public static AgentChannel over(SocketChannel connected, String name) {
        try {
            return new AgentChannel(new FrameSocket(connected, name));
        } catch (IOException e) {
            throw new AgentException(AgentException.Code.CONNECT, "cannot use the socket " + name + ": " + e, e);
        }
    }

    /**
     * Waits until the agent answers: sends PING with a random nonce, again every 500 ms,
     * until a READY with that nonce arrives. READY frames with other nonces answer pings of
     * earlier calls (or are the agent's boot-time READY) and are skipped.
     */
    public GuestMessage.Ready handshake(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long nonce = NONCES.nextLong() | 1; // never 0, the nonce of the unsolicited boot READY
        int pings = 0, otherReadies = 0;
        while (System.nanoTime() < deadline) {
            socket.write(AgentCodec.encode(new HostMessage.Ping(nonce)), deadline);
            pings++;
            long resend = Math.min(deadline, System.nanoTime() + PING_INTERVAL_NANOS);
            GuestMessage reply;
            while ((reply = receive(resend)) != null) {
                if (reply instanceof GuestMessage.Ready ready && ready.nonce() == nonce) {
                    return ready;
                }
                if (reply instanceof GuestMessage.Ready) {
                    otherReadies++;
                } else if (unanswered > 0) {
                    unanswered--; // the late answer to a request whose caller gave up
                } else {
                    throw unexpected("READY", "PING", reply);
                }
            }
        }
        throw new AgentException(AgentException.Code.TIMEOUT, "expected READY with nonce " + Long.toHexString(nonce)
                + " within " + timeout.toMillis() + " ms; sent " + pings + " PINGs, received " + otherReadies
                + " READY frames with other nonces and nothing else");
    }

    /**
     * Waits until the agent's resident runner has finished loading: the agent answers PING at
     * once while it loads, and says READY with {@code residentRunner} once it is loaded; the
     * runner has no other way to tell. Returns the first READY that no longer says
     * {@code residentLoading}: with {@code residentRunner} set, or without it if the runner
     * ended (or the image has none). Throws {@link AgentException.Code#TIMEOUT} if it is still
     * loading at the deadline.
     */
    public GuestMessage.Ready awaitResidentRunner(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (int asked = 1; ; asked++) {
            GuestMessage.Ready ready = handshake(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            if (!ready.residentLoading()) {
                return ready;
            }
            if (System.nanoTime() + RESIDENT_POLL_NANOS > deadline) {
                throw new AgentException(AgentException.Code.TIMEOUT, "the resident runner was still loading after "
                        + timeout.toMillis() + " ms (asked " + asked + " times); it warms up its toolchain before it"
                        + " is ready, which a slow or busy host may need more time for");
            }
            LockSupport.parkNanos(RESIDENT_POLL_NANOS);
        }
    }

    /** Gives the guest fresh entropy (32 to 512 bytes) and the wall-clock time. */
    public void seed(byte[] entropy, Instant now, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        stale = unanswered;
        send(seedMessage(entropy, now), deadline);
        await(GuestMessage.Seeded.class, "SEED", timeout, deadline);
    }

    /**
     * Runs a program and returns its result; {@code timeout} bounds the whole exchange, so
     * it should exceed the program's own timeout. A FAILURE answer throws
     * {@link AgentException.Code#GUEST_FAILURE}.
     */
    public GuestMessage.Result run(HostMessage.Run run, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        stale = unanswered;
        send(run, deadline);
        return await(GuestMessage.Result.class, "RUN", timeout, deadline);
    }

    /**
     * SEED and RUN back to back, saving a round trip after a restore: the agent applies the
     * seed before it reads the RUN, so the program still starts seeded.
     */
    public GuestMessage.Result seedAndRun(byte[] entropy, Instant now, HostMessage.Run run, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        stale = unanswered;
        send(seedMessage(entropy, now), deadline);
        send(run, deadline);
        await(GuestMessage.Seeded.class, "SEED", timeout, deadline);
        return await(GuestMessage.Result.class, "RUN", timeout, deadline);
    }

    /**
     * Has the resident runner warm up again in its own process ({@link HostMessage.Warm});
     * {@code timeout} bounds the whole exchange and should exceed the warm-up's own. Where the
     * runner has no warm-up of its own, or there is no runner, the agent answers FAILURE, which
     * throws.
     */
    public GuestMessage.Result warmResident(HostMessage.Warm warm, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        stale = unanswered;
        send(warm, deadline);
        return await(GuestMessage.Result.class, "WARM", timeout, deadline);
    }

    /** Writes a file in the guest as the sandbox user; FAILURE (e.g. permission denied) throws. */
    public void putFile(HostMessage.PutFile put, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        stale = unanswered;
        send(put, deadline);
        await(GuestMessage.FileStored.class, "PUT_FILE", timeout, deadline);
    }

    /** Reads a file in the guest as the sandbox user; FAILURE (e.g. no such file) throws. */
    public byte[] getFile(String path, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        stale = unanswered;
        send(new HostMessage.GetFile(path), deadline);
        return await(GuestMessage.FileData.class, "GET_FILE", timeout, deadline).data();
    }

    private static HostMessage.Seed seedMessage(byte[] entropy, Instant now) {
        long unixNanos = Math.addExact(Math.multiplyExact(now.getEpochSecond(), 1_000_000_000L), now.getNano());
        return new HostMessage.Seed(entropy, unixNanos);
    }

    private void send(HostMessage message, long deadline) {
        socket.write(AgentCodec.encode(message), deadline);
        unanswered++;
    }

    /** The answer to the oldest request of this call: {@code expected}, or FAILURE, which throws. */
    private <T extends GuestMessage> T await(Class<T> expected, String request, Duration timeout, long deadline) {
        GuestMessage reply;
        while ((reply = receive(deadline)) != null) {
            if (reply instanceof GuestMessage.Ready) {
                continue; // answers a PING sent again during an earlier handshake
            }
            unanswered--;
            if (stale > 0) {
                stale--; // the late answer to a request whose caller gave up
            } else if (expected.isInstance(reply)) {
                return expected.cast(reply);
            } else if (reply instanceof GuestMessage.Failure failure) {
                throw new AgentException(AgentException.Code.GUEST_FAILURE,
                        "the agent could not do " + request + ": " + failure.message());
            } else {
                throw unexpected(expected.getSimpleName().toUpperCase() + " or FAILURE", request, reply);
            }
        }
        throw new AgentException(AgentException.Code.TIMEOUT, "expected the answer to " + request + " within "
                + timeout.toMillis() + " ms, got nothing; the guest is busy, stopped, or gone");
    }

    /** The next frame, or null if none arrived before {@code deadline}. Protocol errors close the channel. */
    private GuestMessage receive(long deadline) {
        try {
            byte[] frame = socket.read(deadline);
            return frame == null ? null : AgentCodec.decodeGuest(frame);
        } catch (AgentException e) {
            if (e.code() == AgentException.Code.PROTOCOL) {
                close(); // a byte stream cannot be resynchronised
            }
            throw e;
        }
    }

    private AgentException unexpected(String expected, String request, GuestMessage got) {
        close();
        return new AgentException(AgentException.Code.PROTOCOL, "expected " + expected + " in answer to " + request
                + ", got " + got + "; the channel is closed");
    }

    @Override
    public void close() {
        socket.close();
    }
}
