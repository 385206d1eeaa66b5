package dev.thaw.vmm.qemu;

import dev.thaw.vmm.GuestPages;
import dev.thaw.vmm.VmmException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Receives a migration stream on a Unix socket and writes it to a file. QEMU reports an
 * outgoing migration complete once it has handed off the last byte; with {@code exec:cat >
 * file} those bytes may still sit in a pipe while the file does not even exist yet. Reading
 * the stream ourselves, the file is whole exactly when the stream ends.
 */
final class DeviceStateSink implements AutoCloseable {

    private final Path socket;
    private final ServerSocketChannel server;
    private final CompletableFuture<Long> written = new CompletableFuture<>();

    DeviceStateSink(Path socket, Path target) {
        this(socket, target, null, null);
    }

    /**
     * A sink that takes the pages of RAM block {@code block} out of the stream and hands
     * them to {@code pages} (see {@link RamStreamFilter}); the file gets the rest.
     */
    DeviceStateSink(Path socket, Path target, String block, GuestPages pages) {
        this.socket = socket;
        try {
            Files.deleteIfExists(socket);
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            throw new VmmException(VmmException.Code.IO, "cannot listen on " + socket + ": " + e.getMessage(), e);
        }
        Thread.ofVirtual().name("vmstate-sink").start(() -> receive(target, block, pages));
    }

    /** The URI to give QEMU's {@code migrate}. */
    String uri() {
        return "unix:" + socket;
    }

    /** Waits until the stream has ended and the file is synced; returns its size. */
    long await(Duration timeout) {
        try {
            return written.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new VmmException(VmmException.Code.TIMEOUT, "device state stream did not end within "
                    + timeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            throw new VmmException(VmmException.Code.IO, "cannot write device state: " + e.getCause().getMessage(),
                    e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VmmException(VmmException.Code.IO, "interrupted while writing device state");
        }
    }

    /** The sink's own failure, if it fails within {@code wait}; empty if it is fine or still busy. */
    Optional<VmmException> failure(Duration wait) {
        try {
            await(wait);
            return Optional.empty();
        } catch (VmmException e) {
            return e.code() == VmmException.Code.TIMEOUT ? Optional.empty() : Optional.of(e);
        }
    }

    private void receive(Path target, String block, GuestPages pages) {
        try (SocketChannel in = server.accept();
                FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING)) {
            if (pages == null) {
                copy(in, out);
            } else {
                new RamStreamFilter(Channels.newInputStream(in), Channels.newOutputStream(out), block, pages).run();
            }
            out.force(true);
            written.complete(out.size());
        } catch (IOException | RuntimeException e) {
            written.completeExceptionally(e);
        }
    }

    private static void copy(SocketChannel in, FileChannel out) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
        while (in.read(buffer) >= 0) {
            buffer.flip();
            while (buffer.hasRemaining()) {
                out.write(buffer);
            }
            buffer.clear();
        }
    }

    @Override
    public void close() {
        try {
            server.close();
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            // the socket lives in the run directory, which goes away with the VM
        }
    }
}
