package dev.thaw.guestagent;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.thaw.agent.AgentChannel;
import dev.thaw.agent.GuestMessage;
import dev.thaw.agent.HostMessage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * An agent on the host whose resident runner is a kept-stdio one: a runner script of this
 * module run by an interpreter, which serves the guest's last program (and refuses others).
 * Such a runner serves one program, so a test starts one per program. Skips the test where
 * the host lacks the interpreter.
 */
final class KeptStdioRunner implements AutoCloseable {

    private final HostModeAgent agent;
    private final String file;

    private KeptStdioRunner(HostModeAgent agent, String file) {
        this.agent = agent;
        this.file = file;
    }

    static KeptStdioRunner start(Path dir, List<String> interpreter, String script, String file) throws Exception {
        return start(dir, interpreter, script, file, Duration.ofSeconds(20));
    }

    /** As above, for a runner that may take up to {@code ready} to warm up. */
    static KeptStdioRunner start(Path dir, List<String> interpreter, String script, String file,
            Duration ready) throws Exception {
        assumeTrue(Files.isExecutable(Path.of(interpreter.getFirst())), "needs " + interpreter.getFirst()
                + " for the resident runner");
        Path root = keptStdioRoot(dir);
        return new KeptStdioRunner(HostModeAgent.withRunnerScript(root, interpreter, script, ready), file);
    }

    /** An agent whose runner is the command {@code argv} as it stands (host paths), not a script of this module. */
    static KeptStdioRunner startCommand(Path dir, List<String> argv, String file) throws Exception {
        return new KeptStdioRunner(HostModeAgent.withResident(keptStdioRoot(dir), argv, Duration.ofSeconds(20)), file);
    }

    private static Path keptStdioRoot(Path dir) throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        Files.writeString(Files.createDirectories(root.resolve("etc/thaw")).resolve("resident-stdio"), "kept\n");
        return root;
    }

    AgentChannel channel() {
        return agent.channel();
    }

    /**
     * The guest's last program, run with {@code args}, {@code stdin} and the environment {@code env}:
     * a resident RUN carries the program's arguments alone, as the host sends them.
     */
    GuestMessage.Result last(String code, String stdin, List<String> args, List<String> env) {
        return channel().run(new HostMessage.Run(true, true, 20_000, 100_000, file,
                code.getBytes(StandardCharsets.UTF_8), stdin.getBytes(StandardCharsets.UTF_8), args, env),
                Duration.ofSeconds(40));
    }

    /** A program that is not the guest's last, which a kept-stdio runner cannot serve. */
    GuestMessage.Result notLast(String code) {
        return channel().run(new HostMessage.Run(true, false, 10_000, 10_000, file,
                code.getBytes(StandardCharsets.UTF_8), new byte[0], List.of(), List.of()), Duration.ofSeconds(20));
    }

    /** Asks the runner to go through its own warm-up again (WARM); FAILURE throws. */
    GuestMessage.Result warm() {
        return channel().warmResident(new HostMessage.Warm(20_000), Duration.ofSeconds(40));
    }

    /** A last program that runs past its {@code timeoutMs}. */
    GuestMessage.Result timedOut(String code, int timeoutMs) {
        return channel().run(new HostMessage.Run(true, true, timeoutMs, 1000, file,
                code.getBytes(StandardCharsets.UTF_8), new byte[0], List.of(), List.of()), Duration.ofSeconds(20));
    }

    @Override
    public void close() throws Exception {
        agent.close();
    }
}
