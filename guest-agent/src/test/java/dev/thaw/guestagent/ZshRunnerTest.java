package dev.thaw.guestagent;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/** The agent with zsh-runner.zsh as its kept-stdio resident runner, on the host's zsh. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ZshRunnerTest extends ShellRunnerContract {

    static final Path ZSH = Path.of("/usr/bin/zsh");

    @Override
    KeptStdioRunner start(Path dir) throws Exception {
        assumeTrue(Files.isExecutable(ZSH), "needs " + ZSH + " (scripts/host.sh installs zsh)");
        return KeptStdioRunner.start(dir, List.of(ZSH.toString()), "zsh-runner.zsh", "main.zsh");
    }

    @Override
    String scriptName() {
        return "main.zsh";
    }

    @Override
    String missingCommandMessage() {
        return "/\\S*/main\\.zsh:2: command not found: no_such_command_x\n";
    }
}
