package dev.thaw.vmm.qemu;

import dev.thaw.vmm.VmmException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** Connects to a Unix socket that a starting process will create shortly. */
final class SocketConnector {

    private static final long RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private SocketConnector() {}

    static SocketChannel connect(Path socket, Duration timeout, String what) {
        return connect(socket, timeout, what, () -> true);
    }

    /**
     * As {@link #connect(Path, Duration, String)}, giving up as soon as {@code creatorAlive}
     * says the process that was to create the socket is gone: it never will now.
     */
    static SocketChannel connect(Path socket, Duration timeout, String what, BooleanSupplier creatorAlive) {
        long deadline = System.nanoTime() + timeout.toNanos();
        IOException last = null;
        while (System.nanoTime() < deadline) {
            if (!creatorAlive.getAsBoolean()) {
                throw new VmmException(VmmException.Code.EXITED, "the process that was to create the " + what
                        + " socket " + socket + " exited");
            }
            SocketChannel channel = null;
            try {
                channel = SocketChannel.open(StandardProtocolFamily.UNIX);
                channel.connect(UnixDomainSocketAddress.of(socket));
                return channel;
            } catch (IOException e) {
                last = e;
                if (channel != null) {
                    try {
                        channel.close();
                    } catch (IOException ignored) {
                        // nothing was connected
                    }
                }
                LockSupport.parkNanos(RETRY_NANOS);
            }
        }
        throw new VmmException(VmmException.Code.TIMEOUT, "cannot connect to the " + what + " socket " + socket
                + " within " + timeout.toMillis() + " ms" + (last == null ? "" : ": " + last.getMessage()), last);
    }
}
