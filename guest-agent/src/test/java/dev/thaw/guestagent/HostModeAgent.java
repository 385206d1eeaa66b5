package dev.thaw.guestagent;

import dev.thaw.agent.AgentChannel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.URISyntaxException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real agent, compiled from this module's sources with the image builder's flags, run
 * on the host in host mode: it dials a socket this class listens on, as QEMU's chardev would
 * be dialled, and treats {@code root} as its root filesystem without chroot or setuid.
 */
final class HostModeAgent implements AutoCloseable {

    /** In a runner's command line, stands for the runner script's path. */
    static final String RUNNER = "{runner}";

    static final String VERSION = "host-test";
    private static Path binary;

    private final Process process;
    private final AgentChannel channel;
    private final Path log;

    private HostModeAgent(Process process, AgentChannel channel, Path log) {
        this.process = process;
        this.channel = channel;
        this.log = log;
    }

    /** @param options more of the agent's options, e.g. {@code --no-resident} */
    static HostModeAgent start(Path root, String... options) throws Exception {
        Path socket = root.resolveSibling(root.getFileName() + ".sock");
        Path log = root.resolveSibling(root.getFileName() + ".log");
        Files.createDirectories(root.resolve("tmp")); // as in every root filesystem
        List<String> command = new ArrayList<>(List.of(binary().toString(), "--channel-connect", socket.toString(),
                "--root", root.toString(), "--no-chroot", "--no-setuid"));
        command.addAll(List.of(options));
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            SocketChannel peer = server.accept();
            return new HostModeAgent(process, AgentChannel.over(peer, socket.toString()), log);
        }
    }

    /**
     * An agent whose image has a resident runner started by {@code argv} (host paths: host
     * mode has no chroot), once it says the runner is loaded.
     */
    static HostModeAgent withResident(Path root, List<String> argv, Duration ready) throws Exception {
        writeResidentList(root, argv);
        HostModeAgent agent = start(root);
        if (!agent.channel().awaitResidentRunner(ready).residentRunner()) {
            agent.close();
            throw new AssertionError("the resident runner did not start:\n" + agent.log());
        }
        return agent;
    }

    /**
     * An agent whose resident runner is this module's {@code script}, copied to
     * {@code root/opt/thaw} and run by {@code interpreter} (a command line to put it after, or
     * that names it where it says {@value #RUNNER}).
     */
    static HostModeAgent withRunnerScript(Path root, List<String> interpreter, String script) throws Exception {
        return withRunnerScript(root, interpreter, script, Duration.ofSeconds(20));
    }

    /** As above, for a runner that may take up to {@code ready} to warm up. */
    static HostModeAgent withRunnerScript(Path root, List<String> interpreter, String script, Duration ready)
            throws Exception {
        Path runner = Files.createDirectories(root.resolve("opt/thaw")).resolve(script);
        Files.copy(sourceDir().resolve(script), runner);
        // without chroot the host's path; in an image /opt/thaw/...
        List<String> argv = new ArrayList<>(interpreter.stream().map(a -> a.replace(RUNNER, runner.toString())).toList());
        if (interpreter.stream().noneMatch(a -> a.contains(RUNNER))) {
            argv.add(runner.toString());
        }
        return withResident(root, argv, ready);
    }

    /** The image's /etc/thaw/resident: the runner's argv, one element per line. */
    static void writeResidentList(Path root, List<String> argv) throws IOException {
        Files.writeString(Files.createDirectories(root.resolve("etc/thaw")).resolve("resident"),
                String.join("\n", argv) + "\n");
    }

    AgentChannel channel() {
        return channel;
    }

    String log() throws IOException {
        return Files.readString(log);
    }

    /** The agent exits when the host closes the channel, and its resident runner with it. */
    @Override
    public void close() throws Exception {
        channel.close();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the agent did not exit after the host closed the channel");
        }
    }

    /** The module's C sources, as the image builder finds them: listed in sources.txt. */
    static Path sourceDir() {
        try {
            return Paths.get(HostModeAgent.class.getResource("/dev/thaw/guestagent/sources.txt").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static synchronized Path binary() throws IOException, InterruptedException {
        if (binary != null) {
            return binary;
        }
        Path sources = sourceDir();
        Path out = sources.resolve("../../../../host-agent").normalize(); // target/host-agent
        Files.createDirectories(out);
        List<String> command = new ArrayList<>(List.of("gcc", "-static", "-Os", "-Wall", "-Wextra", "-Werror",
                "-DTHAW_AGENT_VERSION=\"" + VERSION + "\"", "-o", out.resolve("thaw-agent").toString()));
        for (String name : Files.readAllLines(sources.resolve("sources.txt"))) {
            if (name.strip().endsWith(".c")) {
                command.add(sources.resolve(name.strip()).toString());
            }
        }
        Process gcc = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(gcc.getInputStream().readAllBytes());
        if (gcc.waitFor() != 0) {
            throw new UncheckedIOException(new IOException("gcc failed: " + command + "\n" + output));
        }
        binary = out.resolve("thaw-agent");
        return binary;
    }
}
