package dev.thaw.guestagent;

import static dev.thaw.guestagent.AgentHostModeTest.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.thaw.agent.GuestMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The agent with nim's resident compiler (languages.json: {@code "hold": true}): the host's nim
 * started by {@code nim-compile.sh --held} under premain.so and compile-hold.so, held where it
 * opens the program's source until the guest's last program comes, then compiling it and
 * becoming the program it made.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class NimHeldCompilerTest extends KeptStdioRunnerContract {

    static final Path NIM = Path.of("/usr/bin/nim");
    static final HeldCompiler.CompileScript SCRIPT =
            new HeldCompiler.CompileScript("nim-compile.sh", "THAW_NIM_DIR", "main.nim");

    Path nimDir;

    @Override
    KeptStdioRunner start(Path dir) throws Exception {
        assumeTrue(Files.isExecutable(NIM), "needs " + NIM);
        nimDir = dir.resolve("nim");
        return SCRIPT.startHeld(dir, nimDir);
    }

    @Override
    String hello() {
        return "echo \"hello\"\n";
    }

    @Override
    String byeThenExit3() {
        return "echo \"bye\"\nquit(3)\n";
    }

    @Override
    String printLast() {
        return "stdout.write(\"last\")\n";
    }

    @Test
    void the_program_gets_its_arguments_stdin_environment_and_working_directory() {
        GuestMessage.Result result = runner.last("""
                import os
                echo readLine(stdin), " ", commandLineParams(), " ", getEnv("FOO"), " ", getEnv("LD_PRELOAD", "plain")
                echo getCurrentDir() == getEnv("HOME"), " ", fileExists("main"), " ", paramStr(0)
                """, "abc\n", List.of("one", "two words"), List.of("FOO=bar"));

        assertThat(text(result.stderr())).isEmpty();
        assertThat(text(result.stdout())).isEqualTo("abc @[\"one\", \"two words\"] bar plain\ntrue true ./main\n");
        assertThat(result.exitCode()).isZero();
    }

    @Test
    void a_compile_error_is_nims_message_on_stderr_and_its_status_and_no_program_runs() {
        GuestMessage.Result result = runner.last("echo \"before\"\necho undeclaredThing\n", "", List.of(), List.of());

        assertThat(text(result.stdout())).isEmpty();
        assertThat(text(result.stderr())).contains(nimDir.resolve("main.nim") + "(2, 6) Error: undeclared identifier: 'undeclaredThing'");
        assertThat(result.exitCode()).isEqualTo(1);
    }

    @Test
    void the_compile_command_compiles_alike_without_the_agent() throws Exception {
        String output = SCRIPT.compileAndRunPlain(dir, dir.resolve("nim-plain"),
                "echo \"plain \", 6 * 7\n");

        assertThat(output).isEqualTo("plain 42\n");
    }
}
