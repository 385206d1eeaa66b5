package dev.thaw.guestagent;

import static dev.thaw.guestagent.AgentHostModeTest.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.thaw.agent.GuestMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The agent with csharp-runner.cs as its kept-stdio resident runner, where the host has mono
 * ({@code apt-get install mono-mcs mono-runtime}; the guest's real runs are
 * {@code thaw test-languages --lang csharp}).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CsharpRunnerTest extends KeptStdioRunnerContract {

    static final Path MCS = Path.of("/usr/lib/mono/4.5/mcs.exe");

    @Override
    KeptStdioRunner start(Path dir) throws Exception {
        assumeTrue(Files.isRegularFile(MCS), "needs " + MCS + " (apt-get install mono-mcs mono-runtime)");
        return KeptStdioRunner.start(dir, List.of("/bin/sh"), "csharp-runner.cs", "main.cs", Duration.ofSeconds(60));
    }

    @Override
    String hello() {
        return "class P { static void Main() { System.Console.WriteLine(\"hello\"); } }";
    }

    @Override
    String byeThenExit3() {
        return "class P { static int Main() { System.Console.WriteLine(\"bye\"); return 3; } }";
    }

    @Override
    String printLast() {
        return "class P { static void Main() { System.Console.Write(\"last\"); } }";
    }

    @Test
    void reads_stdin_and_sees_its_arguments_environment_and_directory() {
        GuestMessage.Result result = runner.last("""
                using System;
                class P {
                    static void Main(string[] args) {
                        Console.WriteLine(string.Join(" ", Console.In.ReadToEnd().ToUpper(), string.Join(",", args),
                            Environment.GetEnvironmentVariable("FOO"), System.IO.File.Exists("main.cs")));
                    }
                }
                """, "abc", List.of("one", "two words"), List.of("FOO=bar"));

        assertThat(text(result.stderr())).isEmpty();
        assertThat(text(result.stdout())).isEqualTo("ABC one,two words bar True\n");
    }

    @Test
    void environment_exit_sets_the_status() {
        GuestMessage.Result result = runner.last(
                "class P { static void Main() { System.Console.Write(\"out\"); System.Environment.Exit(4); } }",
                "", List.of(), List.of());

        assertThat(text(result.stdout())).isEqualTo("out");
        assertThat(result.exitCode()).isEqualTo(4);
    }

    @Test
    void an_uncaught_exception_is_reported_by_mono_with_status_1() {
        GuestMessage.Result result = runner.last(
                "class P { static void Main() { throw new System.InvalidOperationException(\"boom\"); } }",
                "", List.of(), List.of());

        assertThat(text(result.stderr())).startsWith("\nUnhandled Exception:\nSystem.InvalidOperationException: boom\n");
        assertThat(result.exitCode()).isEqualTo(1);
    }

    @Test
    void a_compile_error_is_reported_as_mcs_reports_it_with_status_1() {
        GuestMessage.Result result = runner.last("class P { static void Main() { int x = \"s\"; } }", "", List.of(),
                List.of());

        assertThat(text(result.stdout())).isEmpty();
        assertThat(text(result.stderr())).contains("main.cs(1,40): error CS0029")
                .endsWith("Compilation failed: 1 error(s), 0 warnings\n");
        assertThat(result.exitCode()).isEqualTo(1);
    }
}
