package dev.thaw.vmm.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;

/**
 * A QMP peer on a real Unix socket: sends the greeting, answers qmp_capabilities, and hands
 * every other command to a handler that writes whatever lines the test wants.
 */
final class FakeQmpServer implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();

    private final ServerSocketChannel server;
    private final List<JsonNode> received = new CopyOnWriteArrayList<>();
    private volatile SocketChannel client;

    /** Gets each command and a writer for raw lines to send back. */
    interface Handler extends BiConsumer<JsonNode, Reply> {}

    final class Reply {
        private final OutputStream out;

        Reply(OutputStream out) {
            this.out = out;
        }

        void line(String json) {
            try {
                out.write((json + "\r\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        void hangUp() {
            try {
                client.close();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    FakeQmpServer(Path socket, Handler handler) throws IOException {
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        Thread.ofVirtual().start(() -> serve(handler));
    }

    List<JsonNode> received() {
        return received;
    }

    private void serve(Handler handler) {
        try {
            client = server.accept();
            Reply reply = new Reply(Channels.newOutputStream(client));
            reply.line("{\"QMP\": {\"version\": {\"qemu\": {\"major\": 7, \"minor\": 2, \"micro\": 22}}, \"capabilities\": []}}");
            BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(client), StandardCharsets.UTF_8));
            for (String line; (line = in.readLine()) != null; ) {
                JsonNode command = JSON.readTree(line);
                received.add(command);
                if (command.path("execute").asText().equals("qmp_capabilities")) {
                    reply.line("{\"return\": {}, \"id\": " + command.get("id") + "}");
                } else {
                    handler.accept(command, reply);
                }
            }
        } catch (IOException e) {
            // the client went away: the test is over
        }
    }

    @Override
    public void close() throws IOException {
        if (client != null) {
            client.close();
        }
        server.close();
    }
}
