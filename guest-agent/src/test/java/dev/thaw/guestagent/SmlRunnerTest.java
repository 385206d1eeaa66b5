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

/** The agent with sml-runner.sml as its kept-stdio resident runner, on the host's Poly/ML if any. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SmlRunnerTest extends KeptStdioRunnerContract implements WarmsAgainContract {

    static final Path POLY = Path.of("/usr/bin/poly");

    @Override
    KeptStdioRunner start(Path dir) throws Exception {
        assumeTrue(Files.isExecutable(POLY), "needs " + POLY + " (Debian's polyml)");
        return KeptStdioRunner.start(dir, List.of(POLY.toString(), "--script"), "sml-runner.sml", "main.sml");
    }

    @Override
    public KeptStdioRunner warmingRunner() {
        return runner;
    }

    @Override
    public String hello() {
        return "val () = print \"hello\\n\";\n";
    }

    @Override
    String byeThenExit3() {
        // The Basis's statuses are success and failure alone; failure is 1 here as under poly.
        return "val () = print \"bye\\n\";\nval _ = Posix.Process.exit 0w3;\n";
    }

    @Override
    String printLast() {
        return "val () = print \"last\";";
    }

    @Test
    void reads_stdin_and_sees_its_arguments_environment_and_directory() {
        GuestMessage.Result result = runner.last("""
                val line = valOf (TextIO.inputLine TextIO.stdIn);
                val () = print (String.concatWith "," (CommandLine.name () :: CommandLine.arguments ()));
                val () = print (" " ^ valOf (OS.Process.getEnv "FOO") ^ " ");
                val () = print (Bool.toString (OS.FileSys.getDir () = valOf (OS.Process.getEnv "HOME")) ^ " " ^ line);
                """, "abc\n", List.of("one", "two words"), List.of("FOO=bar"));

        assertThat(text(result.stderr())).isEmpty();
        assertThat(text(result.stdout())).matches("poly,--script,/\\S*/main\\.sml,one,two words bar true abc\n");
    }

    @Test
    void an_uncaught_exception_is_reported_as_poly_reports_it_and_exits_1() {
        GuestMessage.Result result = runner.last("""
                val () = print "a\\n";
                val _ = raise Fail "boom";
                val () = print "b\\n";
                """, "", List.of(), List.of());

        assertThat(text(result.stdout())).isEqualTo("a\nException- Fail \"boom\" raised\n");
        assertThat(result.exitCode()).isEqualTo(1);
    }

    @Test
    void os_process_exit_failure_exits_1() {
        assertThat(runner.last("val _ = OS.Process.exit OS.Process.failure;", "", List.of(), List.of()).exitCode())
                .isEqualTo(1);
    }
}
