package dev.thaw.agent;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/** A scripted guest agent on a real Unix socket: the test reads what the host sent and writes answers. */
final class FakeAgent implements AutoCloseable {

    private final ServerSocketChannel server;
    private SocketChannel peer;
    private InputStream in;
    private OutputStream out;

    FakeAgent(Path socket) throws IOException {
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
    }

    /** Waits for the host to connect; call after {@link AgentChannel#connect}. */
    FakeAgent accept() throws IOException {
        peer = server.accept();
        in = Channels.newInputStream(peer);
        out = Channels.newOutputStream(peer);
        return this;
    }

    HostMessage next() throws IOException {
        return AgentCodec.readHost(in);
    }

    void send(GuestMessage message) throws IOException {
        raw(AgentCodec.encode(message));
    }

    void raw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    void hangUp() throws IOException {
        peer.close();
    }

    @Override
    public void close() throws IOException {
        if (peer != null) {
            peer.close();
        }
        server.close();
    }
}
