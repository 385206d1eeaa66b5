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

/** The agent with tcl-runner.tcl as its kept-stdio resident runner, on the host's tclsh. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TclRunnerTest extends KeptStdioRunnerContract {

    static final Path TCLSH = Path.of("/usr/bin/tclsh");

    @Override
    KeptStdioRunner start(Path dir) throws Exception {
        assumeTrue(Files.isExecutable(TCLSH), "needs " + TCLSH + " (scripts/host.sh installs tcl)");
        return KeptStdioRunner.start(dir, List.of(TCLSH.toString()), "tcl-runner.tcl", "main.tcl");
    }

    @Override
    String hello() {
        return "puts hello\n";
    }

    @Override
    String byeThenExit3() {
        return "puts bye\nexit 3\n";
    }

    @Override
    String printLast() {
        return "puts -nonewline last";
    }

    @Test
    void reads_stdin_and_sees_its_arguments_environment_script_and_directory() {
        GuestMessage.Result result = runner.last("""
                puts "[string toupper [gets stdin]] [join $argv ,] $argc $env(FOO) [expr {[pwd] eq $env(HOME)}]\\
                    [expr {$argv0 eq [info script]}] [file tail $argv0]"
                """, "abc\n", List.of("one", "two words"), List.of("FOO=bar"));

        assertThat(text(result.stderr())).isEmpty();
        assertThat(text(result.stdout())).isEqualTo("ABC one,two words 2 bar 1 1 main.tcl\n");
    }

    @Test
    void an_uncaught_error_is_reported_as_tclsh_reports_it_and_exits_1() {
        GuestMessage.Result result = runner.last("proc f {} { error boom }\nf\n", "", List.of(), List.of());

        assertThat(text(result.stderr())).matches("""
                boom
                    while executing
                "error boom "
                    \\(procedure "f" line 1\\)
                    invoked from within
                "f"
                    \\(file "/\\S*/main.tcl" line 2\\)
                """);
        assertThat(result.exitCode()).isEqualTo(1);
    }
}
