package dev.thaw.guestagent;

import static dev.thaw.guestagent.AgentHostModeTest.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.thaw.agent.GuestMessage;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What a shell's kept-stdio runner does besides every runner's contract: the program, sourced
 * by the runner, behaves as the script the shell would run (the same code serves bash and zsh).
 */
abstract class ShellRunnerContract extends KeptStdioRunnerContract {

    @Override
    String hello() {
        return "echo hello\n";
    }

    @Override
    String byeThenExit3() {
        return "f() { echo bye; exit 3; }\nf\necho not here\n";
    }

    @Override
    String printLast() {
        return "printf last";
    }

    @Test
    void reads_stdin_and_sees_its_arguments_environment_script_and_directory() {
        GuestMessage.Result result = runner.last("""
                read -r line
                echo "$line $# $1,$2 $FOO ${0##*/} $([ "$PWD" = "$HOME" ] && echo same) $SHLVL"
                env | grep -Ev '^(PATH|HOME|TMPDIR|LANG|FOO|PWD|SHLVL|OLDPWD|LOGNAME|_)=' | sort
                """, "abc\n", List.of("one", "two words"), List.of("FOO=bar"));

        assertThat(text(result.stderr())).isEmpty();
        assertThat(text(result.stdout())).isEqualTo("abc 2 one,two words bar main.sh same 1\n"
                .replace("main.sh", scriptName()));
    }

    @Test
    void set_e_ends_the_program_with_the_failed_commands_status() {
        GuestMessage.Result result = runner.last("set -e\necho before\nf() { return 4; }\nf\necho after\n",
                "", List.of(), List.of());

        assertThat(text(result.stdout())).isEqualTo("before\n");
        assertThat(result.exitCode()).isEqualTo(4);
    }

    @Test
    void the_program_ends_with_its_last_commands_status() {
        GuestMessage.Result result = runner.last("echo out\nfalse\n", "", List.of(), List.of());

        assertThat(text(result.stdout())).isEqualTo("out\n");
        assertThat(result.exitCode()).isEqualTo(1);
    }

    /** The code file's name. */
    abstract String scriptName();

    @Test
    void a_missing_command_is_reported_as_in_a_script() {
        GuestMessage.Result result = runner.last("echo a\nno_such_command_x\n", "", List.of(), List.of());

        assertThat(text(result.stderr())).matches(missingCommandMessage());
        assertThat(result.exitCode()).isEqualTo(127);
    }

    /** The shell's message (a regular expression) for {@code no_such_command_x} on line 2. */
    abstract String missingCommandMessage();

    @Test
    void a_warm_request_is_refused_and_the_runner_still_serves_the_last_program() {
        assertThatThrownBy(() -> runner.warm()).hasMessageContaining("could not warm up again")
                .hasMessageContaining("serves only mode here");

        assertThat(text(runner.last(printLast(), "", List.of(), List.of()).stdout())).isEqualTo("last");
    }
}
