package dev.thaw.vmm.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.thaw.vmm.VmmException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * A client for QEMU's machine protocol: JSON objects, one per line, over a Unix socket.
 * A reader thread matches replies to commands by id and keeps asynchronous events, so a
 * caller can wait for an event that arrived before it started waiting.
 */
public final class Qmp implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final SocketChannel channel;
    private final OutputStream out;
    private final Map<String, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final List<JsonNode> events = new ArrayList<>();
    private final AtomicLong ids = new AtomicLong();
    private volatile String closedReason;

    private Qmp(SocketChannel channel) {
        this.channel = channel;
        this.out = Channels.newOutputStream(channel);
    }

    /** Connects, reads the greeting and leaves capabilities negotiation mode. */
    public static Qmp connect(Path socket, Duration timeout) {
        return connect(socket, timeout, () -> true);
    }

    /** As {@link #connect(Path, Duration)}, failing at once once {@code vmmAlive} says the VMM exited. */
    public static Qmp connect(Path socket, Duration timeout, BooleanSupplier vmmAlive) {
        SocketChannel channel = SocketConnector.connect(socket, timeout, "QMP", vmmAlive);
        Qmp qmp = new Qmp(channel);
        try {
            BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel),
                    StandardCharsets.UTF_8));
            String greeting = in.readLine();
            if (greeting == null || !JSON.readTree(greeting).has("QMP")) {
                throw new VmmException(VmmException.Code.COMMAND_FAILED, "QMP greeting missing on " + socket);
            }
            Thread.ofVirtual().name("qmp-reader").start(() -> qmp.readLoop(in));
            qmp.execute("qmp_capabilities", null, timeout);
            return qmp;
        } catch (IOException | RuntimeException e) {
            qmp.close();
            throw e instanceof VmmException v ? v
                    : new VmmException(VmmException.Code.IO, "QMP handshake on " + socket + " failed: " + e.getMessage(), e);
        }
    }

    /** Runs a command and returns its {@code return} value. */
    public JsonNode execute(String command, Object arguments, Duration timeout) {
        String id = "thaw-" + ids.incrementAndGet();
        ObjectNode request = JSON.createObjectNode().put("execute", command).put("id", id);
        if (arguments != null) {
            request.set("arguments", JSON.valueToTree(arguments));
        }
        CompletableFuture<JsonNode> reply = new CompletableFuture<>();
        pending.put(id, reply);
        try {
            send(request);
            JsonNode response = reply.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (response.has("error")) {
                JsonNode error = response.get("error");
                throw new VmmException(VmmException.Code.COMMAND_FAILED, "QMP " + command + " failed: "
                        + error.path("class").asText() + ": " + error.path("desc").asText());
            }
            return response.get("return");
        } catch (TimeoutException e) {
            throw new VmmException(VmmException.Code.TIMEOUT, "QMP " + command + " got no reply within "
                    + timeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            throw new VmmException(VmmException.Code.EXITED, "QMP " + command + ": " + e.getCause().getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VmmException(VmmException.Code.IO, "interrupted during QMP " + command);
        } finally {
            pending.remove(id);
        }
    }

    /** Waits for an event named {@code name} whose data matches, including ones already received. */
    public JsonNode awaitEvent(String name, Predicate<JsonNode> data, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (events) {
            while (true) {
                for (JsonNode event : events) {
                    if (name.equals(event.path("event").asText()) && data.test(event.path("data"))) {
                        events.remove(event);
                        return event;
                    }
                }
                if (closedReason != null) {
                    throw new VmmException(VmmException.Code.EXITED, "waiting for QMP event " + name + ": " + closedReason);
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new VmmException(VmmException.Code.TIMEOUT, "no QMP event " + name + " within "
                            + timeout.toMillis() + " ms");
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(events, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new VmmException(VmmException.Code.IO, "interrupted waiting for QMP event " + name);
                }
            }
        }
    }

    private synchronized void send(JsonNode request) {
        try {
            out.write((JSON.writeValueAsString(request) + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            throw new VmmException(VmmException.Code.EXITED, "QMP connection lost: " + e.getMessage(), e);
        }
    }

    private void readLoop(BufferedReader in) {
        String reason = "QMP connection closed (the VMM exited)";
        try {
            for (String line; (line = in.readLine()) != null; ) {
                dispatch(JSON.readTree(line));
            }
        } catch (IOException e) {
            reason = "QMP connection lost: " + e.getMessage();
        } finally {
            shutDown(reason);
        }
    }

    private void dispatch(JsonNode message) {
        if (message.has("event")) {
            synchronized (events) {
                events.add(message);
                events.notifyAll();
            }
            return;
        }
        CompletableFuture<JsonNode> reply = pending.get(message.path("id").asText());
        if (reply != null) {
            reply.complete(message);
        }
    }

    private void shutDown(String reason) {
        closedReason = reason;
        pending.values().forEach(f -> f.completeExceptionally(new IOException(reason)));
        synchronized (events) {
            events.notifyAll();
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // already gone
        }
        shutDown("QMP connection closed");
    }
}
