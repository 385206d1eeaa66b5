package dev.thaw.guestagent;

import static dev.thaw.guestagent.AgentHostModeTest.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.thaw.agent.AgentChannel;
import dev.thaw.agent.AgentException;
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

/** The agent with python-runner.py as its resident runner, on the host's python3. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ResidentRunnerTest {

    static final Path PYTHON = Path.of("/usr/bin/python3");

    @TempDir
    Path dir;
    HostModeAgent agent;
    AgentChannel channel;

    @BeforeEach
    void start() throws Exception {
        assumeTrue(Files.isExecutable(PYTHON), "needs " + PYTHON + " for the resident runner");
        Path root = Files.createDirectories(dir.resolve("root"));
        agent = HostModeAgent.withRunnerScript(root, List.of(PYTHON.toString(), "-s"), "python-runner.py");
        channel = agent.channel();
    }

    @AfterEach
    void stop() throws Exception {
        if (agent != null) {
            agent.close();
        }
    }

    @Test
    void prints() {
        GuestMessage.Result result = run("print(6*7)");
        assertThat(text(result.stdout())).isEqualTo("42\n");
        assertThat(text(result.stderr())).isEmpty();
        assertThat(result.exitCode()).isZero();
    }

    @Test
    void an_uncaught_exception_prints_a_traceback_naming_the_code_file_and_exits_1() {
        GuestMessage.Result result = run("x = 1\nprint('before', flush=True)\n1 / 0\n");
        assertThat(text(result.stdout())).isEqualTo("before\n");
        assertThat(text(result.stderr())).startsWith("Traceback (most recent call last):\n")
                .containsPattern("File \".*/tmp/thaw/run-1/main.py\", line 3, in <module>")
                .endsWith("ZeroDivisionError: division by zero\n").doesNotContain("python-runner");
        assertThat(result.exitCode()).isEqualTo(1);
    }

    @Test
    void system_exit_codes_behave_as_in_cpython() {
        assertThat(run("raise SystemExit(3)").exitCode()).isEqualTo(3);
        assertThat(run("import sys; sys.exit()").exitCode()).isZero();
        GuestMessage.Result message = run("raise SystemExit('bye')");
        assertThat(message.exitCode()).isEqualTo(1);
        assertThat(text(message.stderr())).isEqualTo("bye\n");
    }

    @Test
    void a_syntax_error_is_reported_like_cpython_does_for_a_script() {
        GuestMessage.Result result = run("def (:\n");
        assertThat(text(result.stderr())).contains("main.py\", line 1").contains("SyntaxError");
        assertThat(result.exitCode()).isEqualTo(1);
    }

    @Test
    void gets_stdin_environment_argv_and_working_directory() {
        GuestMessage.Result result = channel.run(new HostMessage.Run(true, false, 10_000, 10_000, "main.py", code(
                "import os, sys\nprint(sys.stdin.read().upper(), os.environ['FOO'], os.environ['HOME'] == os.getcwd(),"
                        + " sys.argv[0].endswith('main.py'), 'PYTHONPATH' in os.environ)"),
                "abc".getBytes(), List.of(), List.of("FOO=bar")), Duration.ofSeconds(20));
        assertThat(text(result.stdout())).isEqualTo("ABC bar True True False\n");
    }

    @Test
    void each_program_draws_fresh_random_numbers() {
        String first = text(run("import random; print(random.random())").stdout());
        String second = text(run("import random; print(random.random())").stdout());
        assertThat(first).isNotEqualTo(second);
    }

    @Test
    void a_timed_out_program_is_killed_and_the_runner_serves_the_next() {
        GuestMessage.Result spin = channel.run(new HostMessage.Run(true, false, 500, 1000, "main.py",
                code("while True: pass"), new byte[0], List.of(), List.of()), Duration.ofSeconds(20));
        assertThat(spin.timedOut()).isTrue();
        assertThat(spin.signal()).isEqualTo(9);
        assertThat(text(run("print('still here')").stdout())).isEqualTo("still here\n");
    }

    @Test
    void a_last_program_runs_in_the_runner_itself() {
        GuestMessage.Result result = channel.run(new HostMessage.Run(true, true, 10_000, 1000, "main.py",
                code("import os, random\nprint(random.random() >= 0, flush=True)\nos._exit(4)"), new byte[0], List.of(),
                List.of()), Duration.ofSeconds(20));
        assertThat(text(result.stdout())).isEqualTo("True\n");
        assertThat(result.exitCode()).isEqualTo(4);
        assertThatThrownBy(() -> run("print(1)")).hasMessageContaining("ran the guest's last program");
        assertThat(channel.handshake(Duration.ofSeconds(5)).residentRunner()).isFalse();
    }

    @Test
    void a_last_program_that_ends_normally_is_answered_with_its_status_and_all_its_output() {
        GuestMessage.Result result = last("import sys\nprint('out')\nprint('err', file=sys.stderr)\nraise SystemExit(3)");

        assertThat(text(result.stdout())).isEqualTo("out\n");
        assertThat(text(result.stderr())).isEqualTo("err\n");
        assertThat(result.exitCode()).isEqualTo(3);
    }

    @Test
    void a_child_forked_by_a_last_program_does_not_end_the_program_when_it_falls_off_the_end() {
        GuestMessage.Result result = last("""
                import os, time
                if os.fork() == 0:
                    print('child', flush=True)
                else:
                    os.wait()
                    time.sleep(0.2)
                    print('parent', flush=True)
                    raise SystemExit(5)
                """);

        assertThat(text(result.stdout())).isEqualTo("child\nparent\n");
        assertThat(result.exitCode()).isEqualTo(5);
    }

    @Test
    void a_runner_that_dies_fails_the_run_and_says_why() {
        assertThatThrownBy(() -> run("import os, signal, time\nos.kill(os.getppid(), signal.SIGKILL)\ntime.sleep(30)"))
                .isInstanceOfSatisfying(AgentException.class,
                        e -> assertThat(e.code()).isEqualTo(AgentException.Code.GUEST_FAILURE))
                .hasMessageContaining("died while the program ran").hasMessageContaining("killed by signal 9");
        assertThatThrownBy(() -> run("print(1)")).hasMessageContaining("the resident runner is not running");
        assertThat(channel.handshake(Duration.ofSeconds(5)).residentRunner()).isFalse();
    }

    private GuestMessage.Result last(String python) {
        return channel.run(new HostMessage.Run(true, true, 10_000, 1000, "main.py", code(python), new byte[0],
                List.of(), List.of()), Duration.ofSeconds(20));
    }

    private GuestMessage.Result run(String python) {
        return channel.run(new HostMessage.Run(true, false, 10_000, 100_000, "main.py", code(python), new byte[0],
                List.of(), List.of()), Duration.ofSeconds(20));
    }

    private static byte[] code(String python) {
        return python.getBytes(StandardCharsets.UTF_8);
    }
}
