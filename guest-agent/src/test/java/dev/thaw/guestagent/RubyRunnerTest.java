package dev.thaw.guestagent;

import static dev.thaw.guestagent.AgentHostModeTest.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.thaw.agent.AgentChannel;
import dev.thaw.agent.GuestMessage;
import dev.thaw.agent.HostMessage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The agent with ruby-runner.rb as its resident runner, on the host's ruby. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RubyRunnerTest {

    static final Path RUBY = Path.of("/usr/bin/ruby");

    @TempDir
    Path dir;
    HostModeAgent agent;
    AgentChannel channel;

    @BeforeEach
    void start() throws Exception {
        assumeTrue(Files.isExecutable(RUBY), "needs " + RUBY + " for the resident runner");
        Path root = Files.createDirectories(dir.resolve("root"));
        agent = HostModeAgent.withRunnerScript(root, List.of(RUBY.toString()), "ruby-runner.rb");
        channel = agent.channel();
    }

    @AfterEach
    void stop() throws Exception {
        if (agent != null) {
            agent.close();
        }
    }

    @Test
    void prints_hello() {
        GuestMessage.Result result = run("puts 'hello'", "", List.of(), List.of());

        assertThat(text(result.stdout())).isEqualTo("hello\n");
        assertThat(text(result.stderr())).isEmpty();
        assertThat(result.exitCode()).isZero();
    }

    @Test
    void gets_stdin_arguments_environment_and_runs_as_the_script() {
        GuestMessage.Result result = run("""
                puts [$stdin.read.upcase, STDIN.equal?($stdin), ARGV.join(','), ENV['FOO'], Dir.pwd == ENV['HOME'],
                      __FILE__ == $0, $0.end_with?('/main.rb'), DATA.read.strip].join(' ')
                __END__
                data
                """, "abc", List.of("one", "two words"), List.of("FOO=bar"));

        assertThat(text(result.stderr())).isEmpty();
        assertThat(text(result.stdout())).isEqualTo("ABC true one,two words bar true true true data\n");
    }

    @Test
    void exit_abort_and_at_exit_behave_as_in_ruby() {
        assertThat(run("at_exit { puts 'bye' }\nexit 3", "", List.of(), List.of()))
                .satisfies(r -> assertThat(r.exitCode()).isEqualTo(3))
                .satisfies(r -> assertThat(text(r.stdout())).isEqualTo("bye\n"));
        assertThat(run("abort 'failed'", "", List.of(), List.of()))
                .satisfies(r -> assertThat(r.exitCode()).isEqualTo(1))
                .satisfies(r -> assertThat(text(r.stderr())).isEqualTo("failed\n"));
        assertThat(run("at_exit { puts 'skipped' }\nexit! 4", "", List.of(), List.of()))
                .satisfies(r -> assertThat(r.exitCode()).isEqualTo(4))
                .satisfies(r -> assertThat(text(r.stdout())).isEmpty());
    }

    @Test
    void an_uncaught_exception_is_reported_as_ruby_does_and_exits_1() {
        GuestMessage.Result result = run("def f = raise(ArgumentError, 'boom')\nputs 'before'\nf\n", "", List.of(),
                List.of());

        assertThat(text(result.stdout())).isEqualTo("before\n");
        assertThat(text(result.stderr())).matches("(?s).*/main\\.rb:1:in `f': boom \\(ArgumentError\\)\n"
                + "\tfrom .*/main\\.rb:3:in `<main>'\n").doesNotContain("ruby-runner");
        assertThat(result.exitCode()).isEqualTo(1);
    }

    @Test
    void a_syntax_error_is_reported_with_the_file_and_line() {
        GuestMessage.Result result = run("puts 1\ndef (\n", "", List.of(), List.of());

        assertThat(text(result.stderr())).containsPattern("/main\\.rb:2: syntax error").doesNotContain("ruby-runner");
        assertThat(result.exitCode()).isEqualTo(1);
    }

    @Test
    void each_program_draws_fresh_random_numbers() {
        String first = text(run("puts rand", "", List.of(), List.of()).stdout());
        String second = text(run("puts rand", "", List.of(), List.of()).stdout());

        assertThat(first).isNotEqualTo(second);
    }

    @Test
    void a_last_program_runs_in_the_runner_itself_and_reports_its_status() {
        GuestMessage.Result result = channel.run(new HostMessage.Run(true, true, 10_000, 1000, "main.rb",
                code("puts rand < 1\n$stderr.puts 'err'\nexit 5"), new byte[0], List.of(), List.of()),
                Duration.ofSeconds(20));

        assertThat(text(result.stdout())).isEqualTo("true\n");
        assertThat(text(result.stderr())).isEqualTo("err\n");
        assertThat(result.exitCode()).isEqualTo(5);
        assertThatThrownBy(() -> run("puts 1", "", List.of(), List.of()))
                .hasMessageContaining("ran the guest's last program");
    }

    @Test
    void a_timed_out_program_is_killed_and_the_runner_serves_the_next() {
        GuestMessage.Result spin = channel.run(new HostMessage.Run(true, false, 500, 1000, "main.rb", code("loop {}"),
                new byte[0], List.of(), List.of()), Duration.ofSeconds(20));

        assertThat(spin.timedOut()).isTrue();
        assertThat(text(run("puts 'still here'", "", List.of(), List.of()).stdout())).isEqualTo("still here\n");
    }

    private GuestMessage.Result run(String ruby, String stdin, List<String> args, List<String> env) {
        return channel.run(new HostMessage.Run(true, false, 10_000, 100_000, "main.rb", code(ruby),
                stdin.getBytes(StandardCharsets.UTF_8), args, env), Duration.ofSeconds(20));
    }

    static byte[] code(String source) {
        return source.getBytes(StandardCharsets.UTF_8);
    }
}
