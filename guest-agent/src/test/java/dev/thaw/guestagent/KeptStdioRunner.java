package dev.thaw.guestagent;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.thaw.agent.GuestMessage;
import dev.thaw.agent.HostMessage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * An agent in host mode whose resident runner is of the kept-stdio kind: one of this module's
 * runner scripts on the host's interpreter. Such a runner serves one program, the guest's last,
 * so a test starts one per program. Skips the test where the host lacks the interpreter.
 */
record KeptStdioRunner(HostModeAgent agent, String codeFile, List<String> command) implements AutoCloseable {

    /**
     * {@code interpreter} runs {@code script}; {@code command} is the language's own command
     * line, its {@code {file}} standing for {@code codeFile}.
     */
    static KeptStdioRunner start(Path dir, List<String> interpreter, String script, String codeFile,
            List<String> command, Duration ready) throws Exception {
        assumeTrue(Files.isExecutable(Path.of(interpreter.get(0))), "needs " + interpreter.get(0)
                + " for the resident runner");
        Path root = Files.createDirectories(dir.resolve("root"));
        Files.writeString(Files.createDirectories(root.resolve("etc/thaw")).resolve("resident-stdio"), "kept\n");
        HostModeAgent agent = HostModeAgent.withRunnerScript(root, interpreter, script, ready);
        return new KeptStdioRunner(agent, codeFile, command);
    }

    /** The guest's last program, run with {@code args} after the language's own command. */
    GuestMessage.Result last(String code, String stdin, List<String> args, List<String> env) {
        List<String> argv = new ArrayList<>(command);
        argv.addAll(args);
        return agent.channel().run(new HostMessage.Run(true, true, 20_000, 100_000, codeFile,
                code.getBytes(StandardCharsets.UTF_8), stdin.getBytes(StandardCharsets.UTF_8),
                args.isEmpty() ? List.of() : argv, env), Duration.ofSeconds(40));
    }

    @Override
    public void close() throws Exception {
        agent.close();
    }
}
