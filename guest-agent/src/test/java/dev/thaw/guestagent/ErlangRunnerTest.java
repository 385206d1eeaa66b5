package dev.thaw.guestagent;

import static dev.thaw.guestagent.AgentHostModeTest.text;
import static org.assertj.core.api.Assertions.assertThat;

import dev.thaw.agent.GuestMessage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The agent with erlang-runner.erl as its kept-stdio resident runner, started as languages.json
 * starts it, where the host has Erlang (scripts/host.sh installs it; the guest's real runs are
 * {@code thaw test-languages --lang erlang}). The runner hands the program to escript itself,
 * so these check the escript behaviour a program sees through it.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ErlangRunnerTest extends KeptStdioRunnerContract {

    private static final String LOAD = "{ok, M, B} = compile:file(\"" + HostModeAgent.RUNNER
            + "\", [binary, report]), {module, M} = code:load_binary(M, \"" + HostModeAgent.RUNNER + "\", B), M:main().";

    @Override
    KeptStdioRunner start(Path dir) throws Exception {
        return KeptStdioRunner.start(dir, List.of("/usr/bin/erl", "+B", "-boot", "no_dot_erlang", "-noshell", "-eval",
                LOAD, "-extra", "main.escript"), "erlang-runner.erl", "main.erl",
                Duration.ofSeconds(120));
    }

    @Override
    String hello() {
        return "main(_) -> io:format(\"hello~n\").\n";
    }

    @Override
    String byeThenExit3() {
        return "main(_) ->\n    io:format(\"bye~n\"),\n    halt(3).\n";
    }

    @Override
    String printLast() {
        return "main(_) -> io:put_chars(\"last\").\n";
    }

    @Test
    void reads_stdin_and_sees_its_environment_and_directory() {
        GuestMessage.Result result = runner.last("""
                #!/usr/bin/env escript
                -module(greet).
                -export([main/1]).
                main(Args) ->
                    Line = string:trim(io:get_line("")),
                    {ok, Term} = io:read(""),
                    {ok, Cwd} = file:get_cwd(),
                    io:format("~s ~p ~p ~s ~p ~s~n", [string:uppercase(Line), Term, Args, os:getenv("FOO"),
                        Cwd =:= os:getenv("HOME"), escript:script_name()]).
                """, "abc\n{x, 1}.\n", List.of(), List.of("FOO=bar"));

        assertThat(text(result.stderr())).isEmpty();
        assertThat(text(result.stdout())).isEqualTo("ABC {x,1} [] bar true main.escript\n");
        assertThat(result.exitCode()).isZero();
    }

    @Test
    void a_compiled_program_runs_as_escript_runs_it() {
        GuestMessage.Result result = runner.last("-mode(compile).\nmain([]) -> io:format(\"~p~n\", [?MODULE =/= x]).\n",
                "", List.of(), List.of());

        assertThat(text(result.stderr())).isEmpty();
        assertThat(text(result.stdout())).isEqualTo("true\n");
    }

    @Test
    void an_uncaught_error_is_reported_as_escript_reports_it_with_status_127() {
        GuestMessage.Result result = runner.last("main(_) ->\n    io:format(\"before~n\"),\n    error(boom).\n", "",
                List.of(), List.of());

        assertThat(text(result.stdout())).isEqualTo("before\n");
        assertThat(text(result.stderr())).startsWith("escript: exception error: boom").doesNotContain("thaw_erlang_runner");
        assertThat(result.exitCode()).isEqualTo(127);
    }

    @Test
    void a_program_that_does_not_compile_fails_as_under_escript() {
        GuestMessage.Result result = runner.last("main(_) -> oops(.\n", "", List.of(), List.of());

        assertThat(text(result.stderr())).contains("main.escript:2:").contains("There were compilation errors.");
        assertThat(result.exitCode()).isEqualTo(127);
    }
}
