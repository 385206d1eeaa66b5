package dev.thaw.guestagent;

import static dev.thaw.guestagent.AgentHostModeTest.text;
import static org.assertj.core.api.Assertions.assertThat;

import dev.thaw.agent.GuestMessage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent with elixir-runner.exs as its kept-stdio resident runner, where the host has
 * elixir (scripts/host.sh installs it; the guest's real runs are
 * {@code thaw test-languages --lang elixir}).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ElixirRunnerTest implements WarmsAgainContract {

    @TempDir
    Path dir;
    KeptStdioRunner elixir;

    @BeforeEach
    void start() throws Exception {
        elixir = KeptStdioRunner.start(dir, List.of("/usr/bin/elixir"), "elixir-runner.exs", "main.exs", Duration.ofSeconds(120));
    }

    @Override
    public KeptStdioRunner warmingRunner() {
        return elixir;
    }

    @Override
    public String hello() {
        return "IO.puts(\"hello\")\n";
    }

    @AfterEach
    void stop() throws Exception {
        if (elixir != null) {
            elixir.close();
        }
    }

    @Test
    void prints_hello() {
        GuestMessage.Result result = elixir.last("IO.puts(\"hello\")\n", "", List.of(), List.of());

        assertThat(text(result.stderr())).isEmpty();
        assertThat(text(result.stdout())).isEqualTo("hello\n");
        assertThat(result.exitCode()).isZero();
    }

    /** With a newline: OTP's user process drops an unterminated last line that arrives after it
     * started, as it does under plain elixir when input comes late (see the README). */
    @Test
    void reads_stdin_and_sees_its_arguments_environment_and_directory() {
        GuestMessage.Result result = elixir.last("""
                IO.puts(Enum.join([String.upcase(String.trim(IO.gets(""))), Enum.join(System.argv(), ","), System.get_env("FOO"),
                    File.cwd!() == System.get_env("HOME"), File.exists?("main.exs"), :rand.uniform() < 1,
                    String.trim(elem(System.cmd("sh", ["-c", "echo $FOO"]), 0)), Path.basename(__ENV__.file)], " "))
                """, "abc\n", List.of("one", "two words"), List.of("FOO=bar"));

        assertThat(text(result.stderr())).isEmpty();
        assertThat(text(result.stdout())).isEqualTo("ABC one,two words bar true true true bar main.exs\n");
    }

    @Test
    void system_halt_ends_the_program_with_its_status_after_its_output() {
        GuestMessage.Result result = elixir.last("IO.write(\"out\")\nSystem.halt(3)\n", "", List.of(), List.of());

        assertThat(text(result.stdout())).isEqualTo("out");
        assertThat(result.exitCode()).isEqualTo(3);
    }

    @Test
    void an_uncaught_error_is_reported_as_elixir_reports_it_with_status_1() {
        GuestMessage.Result result = elixir.last("IO.puts(\"before\")\nraise \"boom\"\n", "", List.of(), List.of());

        assertThat(text(result.stdout())).isEqualTo("before\n");
        assertThat(text(result.stderr())).startsWith("** (RuntimeError) boom\n    ").contains("main.exs:2: (file)\n")
                .doesNotContain("elixir-runner");
        assertThat(result.exitCode()).isEqualTo(1);
    }
}
