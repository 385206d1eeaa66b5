package dev.thaw.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sandboxes with network, on real guests and real namespaces: every clone of the python
 * snapshot carries the same guest address, and each is still reached at its own address.
 */
class NetworkSandboxTest {

    private static final int PORT = 8000;

    @TempDir
    static Path home;

    static ThawRuntime runtime;

    @BeforeAll
    static void makeSnapshot() {
        runtime = TestRuntimes.inHome(home);
        runtime.createSnapshot("python", null, false);
    }

    @AfterAll
    static void nothingOutlivesTheTests() {
        runtime.networks().close(); // waits for namespaces being reset or removed in the background
        assertThat(TestRuntimes.liveChildren()).isZero();
    }

    @Test
    void two_clones_of_one_snapshot_serve_the_host_at_once_each_at_its_own_address() throws Exception {
        try (Sandbox first = runtime.startSandbox("python", null, true);
                Sandbox second = runtime.startSandbox("python", null, true);
                ExecutorService programs = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<RunResult> firstServes = programs.submit(() -> first.exec(serve("first", 1), new Timings()));
            Future<RunResult> secondServes = programs.submit(() -> second.exec(serve("second", 1), new Timings()));

            String fromSecond = ask(address(second));
            String fromFirst = ask(address(first));

            assertThat(address(first)).isNotEqualTo(address(second));
            assertThat(fromFirst).startsWith("hello from first");
            assertThat(fromSecond).startsWith("hello from second");
            assertThat(firstServes.get().exitCode()).isZero();
            assertThat(secondServes.get().exitCode()).isZero();
        }
    }

    @Test
    void a_guest_reaches_neither_the_host_nor_its_namespace_nor_another_sandbox() throws Exception {
        try (ServerSocket hostService = new ServerSocket(0);
                DatagramSocket hostDatagrams = new DatagramSocket(0);
                Sandbox prober = runtime.startSandbox("python", null, true);
                Sandbox neighbour = runtime.startSandbox("python", null, true);
                ExecutorService programs = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<RunResult> neighbourServes = programs.submit(
                    () -> neighbour.exec(serve("neighbour", 2), new Timings()));
            String neighbourAddress = address(neighbour);
            assertThat(ask(neighbourAddress)).startsWith("hello from neighbour"); // it listens
            String hostSide = prober.network().orElseThrow().hostAddress();
            List<String> targets = new ArrayList<>(List.of(hostSide + ":" + hostService.getLocalPort(),
                    neighbourAddress + ":" + PORT));
            hostPrimaryAddress().ifPresent(address -> targets.add(address + ":" + hostService.getLocalPort()));

            RunResult probe = prober.exec(request(probeProgram(targets, hostSide + ":" + hostDatagrams.getLocalPort())),
                    new Timings());

            assertThat(text(probe.stdout()).lines().toList()).as(text(probe.stderr()))
                    .containsExactlyElementsOf(targets.stream().map(t -> t + " blocked").toList());
            assertThat(nothingArrives(hostDatagrams)).as("datagrams the guest sent to the host").isTrue();
            assertThat(ask(neighbourAddress)).startsWith("hello from neighbour"); // and still did
            assertThat(neighbourServes.get().exitCode()).isZero();
        }
    }

    @Test
    void a_sandbox_has_no_network_unless_asked_and_its_namespace_goes_when_it_closes() throws Exception {
        try (Sandbox plain = runtime.startSandbox("python", null)) {
            assertThat(plain.network()).isEmpty();
        }
        Path namespace;
        try (Sandbox networked = runtime.startSandbox("python", null, true)) {
            namespace = networked.network().orElseThrow().namespacePath();
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (Files.exists(namespace) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(namespace).doesNotExist(); // the runtime's pool keeps none
    }

    /**
     * Listens on the guest's port, answers {@code connections} questions with its name, and ends. A connection
     * counts only once its question arrives: on a loaded host a connect the client gave up on can still complete
     * in the guest's backlog, and answering that one would end the program before the client's retry.
     */
    private static RunRequest serve(String name, int connections) {
        return request(String.join("\n",
                "import socket",
                "s = socket.socket()",
                "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)",
                "s.bind(('0.0.0.0', " + PORT + "))",
                "s.listen(4)",
                "s.settimeout(35)",
                "answered = 0",
                "while answered < " + connections + ":",
                "    c, peer = s.accept()",
                "    c.settimeout(10)",
                "    try:",
                "        if c.recv(1) == b'?':",
                "            c.sendall(b'hello from " + name + " to ' + peer[0].encode())",
                "            answered += 1",
                "    except OSError:",
                "        pass",
                "    c.close()"));
    }

    /** Tries to connect to each target, then sends datagrams, which need no answer, to {@code datagramTarget}. */
    private static String probeProgram(List<String> targets, String datagramTarget) {
        return String.join("\n",
                "import socket",
                "udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
                "host, port = '" + datagramTarget + "'.split(':')",
                "for _ in range(5):",
                "    udp.sendto(b'from the guest', (host, int(port)))",
                "for target in " + targets.stream().map(t -> "'" + t + "'").toList() + ":",
                "    host, port = target.split(':')",
                "    try:",
                "        socket.create_connection((host, int(port)), timeout=2).close()",
                "        print(target, 'open')",
                "    except OSError:",
                "        print(target, 'blocked')");
    }

    private static boolean nothingArrives(DatagramSocket socket) throws IOException {
        socket.setSoTimeout(1000);
        try {
            socket.receive(new DatagramPacket(new byte[64], 64));
            return false;
        } catch (java.net.SocketTimeoutException expected) {
            return true;
        }
    }

    private static RunRequest request(String code) {
        return new RunRequest("python", code.getBytes(StandardCharsets.UTF_8), null, null, Duration.ofSeconds(40),
                RunRequest.DEFAULT_OUTPUT_CAP, false, null);
    }

    /** Connects as soon as the guest listens (its program starts asynchronously), asks, and reads the answer. */
    private static String ask(String address) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(address, PORT), 5000);
                socket.setSoTimeout(10_000);
                socket.getOutputStream().write('?');
                try (InputStream in = socket.getInputStream()) {
                    return new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
            } catch (IOException notYet) {
                if (System.nanoTime() > deadline) {
                    throw notYet;
                }
                Thread.sleep(100);
            }
        }
    }

    private static String address(Sandbox sandbox) {
        return sandbox.network().orElseThrow().sandboxAddress();
    }

    /** An address of the host's own, outside the sandboxes' range, if it has one. */
    private static Optional<String> hostPrimaryAddress() throws Exception {
        return NetworkInterface.networkInterfaces()
                .flatMap(NetworkInterface::inetAddresses)
                .filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress())
                .map(InetAddress::getHostAddress)
                .filter(a -> !a.startsWith("10.213."))
                .findFirst();
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
