package dev.thaw.guestagent;

import static dev.thaw.guestagent.AgentHostModeTest.text;
import static org.assertj.core.api.Assertions.assertThat;

import dev.thaw.agent.GuestMessage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * compile-hold.sh and compile-hold.so under the host-mode agent, whatever the language: the
 * "compiler" is the shell running the program's source, which it opens by the relative name on
 * its command line (as ghc does); a source is a script that writes the program, {@code built},
 * and ends with the compile's status.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CompileHoldTest {

    @TempDir
    Path dir;
    KeptStdioRunner runner;

    @AfterEach
    void stop() throws Exception {
        if (runner != null) {
            runner.close();
        }
    }

    private void start(String... options) throws Exception {
        Path libraries = HeldCompiler.libraries(dir);
        List<String> argv = new ArrayList<>(List.of("/usr/bin/env", "THAW_LIBRARY_DIR=" + libraries,
                libraries.resolve("compile-hold.sh").toString()));
        argv.addAll(List.of(options));
        argv.addAll(List.of(dir.resolve("held").toString(), "main.sh", "built", "/bin/sh", "main.sh"));
        runner = KeptStdioRunner.startCommand(dir, argv, "main.sh");
    }

    /** A source whose compile writes {@code program} as the program. */
    private static String compiling(String program) {
        return "cat > built <<'PROGRAM'\n#!/bin/sh\n" + program + "PROGRAM\nchmod 755 built\n";
    }

    private GuestMessage.Result last(String source) {
        return runner.last(source, "", List.of(), List.of());
    }

    @Test
    void the_compiler_reads_the_program_it_was_held_for_and_the_program_runs_with_arguments_stdin_and_environment()
            throws Exception {
        start();

        GuestMessage.Result result = runner.last(compiling("""
                read line
                echo "$line $# $1|$2 $FOO $(basename "$0") ${LD_PRELOAD:-plain} ${THAW_HOLD_SOURCE:-unset}"
                [ "$PWD" = "$HOME" ] && echo home
                exit 4
                """), "abc\n", List.of("one", "two words"), List.of("FOO=bar"));

        assertThat(text(result.stderr())).isEmpty();
        assertThat(text(result.stdout())).isEqualTo("abc 2 one|two words bar main plain unset\nhome\n");
        assertThat(result.exitCode()).isEqualTo(4);
    }

    @Test
    void a_failed_compile_is_the_compilers_status_and_messages_and_nothing_after_it_runs() throws Exception {
        start("--then", "echo then-ran >&2");

        GuestMessage.Result result = last(compiling("echo ran\n") + "echo 'main.sh:1: error: nope' >&2\nexit 3\n");

        assertThat(text(result.stdout())).isEmpty();
        assertThat(text(result.stderr())).isEqualTo("main.sh:1: error: nope\n");
        assertThat(result.exitCode()).isEqualTo(3);
    }

    @Test
    void a_compile_that_made_no_program_fails_as_the_compile_commands_exec_would() throws Exception {
        start();

        GuestMessage.Result result = last("echo compiled\n");

        assertThat(text(result.stdout())).isEqualTo("compiled\n");
        assertThat(text(result.stderr())).contains("./main");
        assertThat(result.exitCode()).isEqualTo(127);
    }

    @Test
    void the_then_command_runs_in_the_compilers_directory_after_it_and_its_failure_ends_the_run() throws Exception {
        start("--then", "echo 'echo then' >> built && [ -f main.sh ] && exit 7");

        GuestMessage.Result result = last(compiling("echo ran\n"));

        assertThat(text(result.stdout())).isEmpty();
        assertThat(result.exitCode()).isEqualTo(7);
    }

    @Test
    void the_then_command_can_finish_the_program() throws Exception {
        start("--then", "echo 'echo then' >> built");

        GuestMessage.Result result = last(compiling("echo ran\n"));

        assertThat(text(result.stdout())).isEqualTo("ran\nthen\n");
        assertThat(result.exitCode()).isZero();
    }

    @Test
    void variables_set_for_the_compiler_alone_do_not_reach_the_program() throws Exception {
        start("--env", "COMPILER_ONLY=compiler", "--env", "FOO=compiler");

        GuestMessage.Result result = runner.last(compiling("echo \"${COMPILER_ONLY:-unset} $FOO\"\n"), "", List.of(),
                List.of("FOO=program"));

        assertThat(text(result.stderr())).isEmpty();
        assertThat(text(result.stdout())).isEqualTo("unset program\n");
    }

    @Test
    void with_lock_the_compile_holds_the_directorys_lock_and_the_program_does_not() throws Exception {
        start("--lock");
        Path lock = dir.resolve("held/lock");

        GuestMessage.Result result = last(compiling("flock -n %s true && echo free\n".formatted(lock))
                + "flock -n %s true || echo taken while compiling\n".formatted(lock));

        assertThat(text(result.stdout())).isEqualTo("taken while compiling\nfree\n");
    }
}
