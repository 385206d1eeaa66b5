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
 * The agent with prolog-runner.pl as its kept-stdio resident runner, where the host has
 * swipl (scripts/host.sh installs it; the guest's real runs are
 * {@code thaw test-languages --lang prolog}).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class PrologRunnerTest {

    @TempDir
    Path dir;
    KeptStdioRunner prolog;

    @BeforeEach
    void start() throws Exception {
        prolog = KeptStdioRunner.start(dir, List.of("/usr/bin/swipl", "-q"), "prolog-runner.pl", "main.pl",
                List.of("swipl", "-q", "{file}"), Duration.ofSeconds(120));
    }

    @AfterEach
    void stop() throws Exception {
        if (prolog != null) {
            prolog.close();
        }
    }

    @Test
    void prints_hello() {
        GuestMessage.Result result = prolog.last(":- initialization(main, main).\nmain :- writeln(hello).\n", "", List.of(),
                List.of());

        assertThat(text(result.stderr())).isEmpty();
        assertThat(text(result.stdout())).isEqualTo("hello\n");
        assertThat(result.exitCode()).isZero();
    }

    @Test
    void reads_stdin_and_sees_its_arguments_environment_and_directory() {
        GuestMessage.Result result = prolog.last("""
                :- initialization(main, main).
                main :- read_line_to_string(user_input, Line), string_upper(Line, Upper),
                    current_prolog_flag(argv, Args), getenv('FOO', Foo), getenv('HOME', Home),
                    working_directory(Dir, Dir), ( atom_concat(Home, '/', Dir) -> Same = true ; Same = false ),
                    random(R), ( R < 1 -> Rand = true ; Rand = false ),
                    format("~w ~w ~w ~w ~w~n", [Upper, Args, Foo, Same, Rand]),
                    shell('echo $FOO').
                """, "abc", List.of("one", "two words"), List.of("FOO=bar"));

        assertThat(text(result.stderr())).isEmpty();
        assertThat(text(result.stdout())).isEqualTo("ABC [one,two words] bar true true\nbar\n");
    }

    @Test
    void without_a_main_goal_the_toplevel_answers_queries_from_stdin() {
        GuestMessage.Result result = prolog.last("foo(1).\n", "foo(X).\n", List.of(), List.of());

        assertThat(text(result.stdout())).isEqualTo("X = 1.\n\n\n"); // as `swipl -q` prints it
        assertThat(result.exitCode()).isZero();
    }

    @Test
    void halt_ends_the_program_with_its_status_after_its_output() {
        GuestMessage.Result result = prolog.last(":- initialization(main, main).\nmain :- write(out), halt(3).\n", "",
                List.of(), List.of());

        assertThat(text(result.stdout())).isEqualTo("out");
        assertThat(result.exitCode()).isEqualTo(3);
    }

    @Test
    void an_uncaught_error_in_main_is_printed_and_the_status_is_2() {
        GuestMessage.Result result = prolog.last(":- initialization(main, main).\nmain :- X is 1/0, writeln(X).\n", "",
                List.of(), List.of());

        assertThat(text(result.stderr())).startsWith("ERROR: ").contains("main.pl:1").contains("zero_divisor");
        assertThat(result.exitCode()).isEqualTo(2);
    }
}
