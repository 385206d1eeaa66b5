package dev.thaw.guestagent;

import static dev.thaw.guestagent.AgentHostModeTest.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.thaw.agent.GuestMessage;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent with node-runner.js as its resident runner, of the kept-stdio kind, on the host's
 * node. It serves one program, the guest's last, so every test starts its own agent.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NodeRunnerTest {

    static final Path NODE = Path.of("/usr/bin/node");

    @TempDir
    Path dir;
    KeptStdioRunner runner;

    @BeforeEach
    void start() throws Exception {
        runner = KeptStdioRunner.start(dir, List.of(NODE.toString()), "node-runner.js", "main.js");
    }

    @AfterEach
    void stop() throws Exception {
        if (runner != null) {
            runner.close();
        }
    }

    @Test
    void prints_hello() {
        GuestMessage.Result result = runner.last("console.log('hello')", "", List.of(), List.of());

        assertThat(text(result.stdout())).isEqualTo("hello\n");
        assertThat(text(result.stderr())).isEmpty();
        assertThat(result.exitCode()).isZero();
    }

    @Test
    void reads_stdin_and_sees_its_arguments_environment_and_module() {
        GuestMessage.Result result = runner.last("""
                const path = require('path');
                require('fs').writeFileSync(path.join(__dirname, 'lib.js'), 'exports.answer = 42;');
                let input = '';
                process.stdin.on('data', (d) => input += d).on('end', () => console.log(input.toUpperCase(),
                    process.argv.slice(2).join(','), process.env.FOO, process.cwd() === process.env.HOME,
                    process.argv[1] === __filename, path.basename(__filename), require.main === module,
                    require('./lib').answer, Math.random() < 1));
                """, "abc", List.of("one", "two words"), List.of("FOO=bar"));

        assertThat(text(result.stderr())).isEmpty();
        assertThat(text(result.stdout())).isEqualTo("ABC one,two words bar true true main.js true 42 true\n");
    }

    @Test
    void exit_codes_come_from_process_exit_and_process_exit_code() {
        GuestMessage.Result exit = runner.last("process.on('exit', () => console.log('bye'));\nprocess.exit(3);\n", "",
                List.of(), List.of());
        assertThat(exit.exitCode()).isEqualTo(3);
        assertThat(text(exit.stdout())).isEqualTo("bye\n");
    }

    @Test
    void process_exit_code_is_the_status_when_the_program_falls_off_the_end() {
        GuestMessage.Result result = runner.last("setTimeout(() => { process.stdout.write('late'); process.exitCode = 4; }, 50);",
                "", List.of(), List.of());

        assertThat(text(result.stdout())).isEqualTo("late");
        assertThat(result.exitCode()).isEqualTo(4);
    }

    @Test
    void an_uncaught_exception_is_printed_as_node_prints_it_and_exits_1() {
        GuestMessage.Result result = runner.last("console.log('before');\nthrow new TypeError('boom');\n", "", List.of(),
                List.of());

        assertThat(text(result.stdout())).isEqualTo("before\n");
        assertThat(text(result.stderr())).contains("main.js:2\nthrow new TypeError('boom');\n^\n")
                .contains("TypeError: boom\n    at Object.<anonymous> (").contains("Node.js v");
        assertThat(result.exitCode()).isEqualTo(1);
    }

    @Test
    void an_unhandled_rejection_ends_the_program_with_status_1() {
        GuestMessage.Result result = runner.last("Promise.reject(new Error('later'));", "", List.of(), List.of());

        assertThat(text(result.stderr())).contains("Error: later");
        assertThat(result.exitCode()).isEqualTo(1);
    }

    @Test
    void a_run_that_is_not_the_guests_last_is_refused_and_the_runner_still_serves_the_last() {
        assertThatThrownBy(() -> runner.notLast("console.log(1)"))
                .hasMessageContaining("serves only a guest's last program");

        assertThat(text(runner.last("console.log('last')", "", List.of(), List.of()).stdout())).isEqualTo("last\n");
    }

    @Test
    void a_timed_out_program_is_killed() {
        GuestMessage.Result spin = runner.timedOut("for (;;) {}", 500);

        assertThat(spin.timedOut()).isTrue();
        assertThat(spin.signal()).isEqualTo(9);
    }
}
