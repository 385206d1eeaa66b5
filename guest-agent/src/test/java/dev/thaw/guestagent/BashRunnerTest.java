package dev.thaw.guestagent;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/** The agent with bash-runner.bash as its kept-stdio resident runner, on the host's bash. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BashRunnerTest extends ShellRunnerContract {

    @Override
    KeptStdioRunner start(Path dir) throws Exception {
        return KeptStdioRunner.start(dir, List.of("/bin/bash"), "bash-runner.bash", "main.sh");
    }

    @Override
    String scriptName() {
        return "main.sh";
    }

    @Override
    String missingCommandMessage() {
        return "/\\S*/main\\.sh: line 2: no_such_command_x: command not found\n";
    }
}
