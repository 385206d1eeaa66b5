package dev.thaw.guestagent;

import static dev.thaw.guestagent.AgentHostModeTest.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.thaw.agent.GuestMessage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * prolog as languages.json starts it: the host's swipl stopped before main() by premain.so, with
 * prolog-state.so beside it, which initialised SWI-Prolog before READY. Each program's output,
 * errors and exit status must be those of `swipl -q main.pl` started afresh in the same
 * directory with the same stdin.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PrologStateTest {

    static final Path SWIPL = Path.of("/usr/bin/swipl");

    record Case(String name, String program, String stdin) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Case> programs() {
        return List.of(
                new Case("main reads stdin", """
                        :- initialization(main, main).
                        main :- read_term(T, []), format("got ~w~n", [T]), read_line_to_string(user_input, L), print(L), nl.
                        """, "foo(bar).\nrest of it\n"),
                new Case("directives, then the toplevel on stdin", """
                        :- format("loading~n").
                        likes(alice, prolog).
                        """, "likes(alice, X).\nX = 1, Y is X + 1.\n"),
                new Case("halt with a status", ":- initialization(main, main).\nmain :- write(bye), nl, halt(3).\n", ""),
                new Case("main fails", ":- initialization(main, main).\nmain :- fail.\n", ""),
                new Case("main raises", ":- initialization(main, main).\nmain :- X is foo + 1, print(X).\n", ""),
                new Case("a syntax error and an undefined goal", """
                        p(1) :- .
                        :- initialization(main, main).
                        main :- catch(q, E, (print_message(error, E), fail)) ; write(after), nl.
                        """, ""),
                new Case("program initialization and relative files", """
                        :- initialization(format("program init~n"), program).
                        :- initialization(main, main).
                        main :- open('out.txt', write, S), write(S, written), close(S),
                                read_file_to_string('out.txt', T, []), format("~w ~w~n", [T, ok]),
                                current_prolog_flag(argv, A), print(A), nl.
                        """, ""),
                new Case("unicode out", ":- initialization(main, main).\nmain :- atom_length('héllo', N), format(\"héllo ~w~n\", [N]).\n", ""));
    }

    @TempDir
    Path dir;

    @ParameterizedTest
    @MethodSource("programs")
    void a_program_behaves_as_under_the_plain_command(Case c) throws Exception {
        assumeTrue(Files.isExecutable(SWIPL), "needs " + SWIPL);
        GuestMessage.Result preloaded;
        try (KeptStdioRunner runner = KeptStdioRunner.startCommand(dir, SharedLibraryCompiler.premainCommand(
                dir.resolve("lib"), "prolog-state.so", List.of("swipl", "-q", "{file}")), "main.pl")) {
            preloaded = runner.last(c.program(), c.stdin(), List.of(), List.of("LANG=C.UTF-8"));
        }
        Plain plain = plain(c);

        assertThat(paths(text(preloaded.stdout()))).isEqualTo(paths(plain.stdout()));
        assertThat(paths(text(preloaded.stderr()))).isEqualTo(paths(plain.stderr()));
        assertThat(preloaded.exitCode()).isEqualTo(plain.status());
    }

    record Plain(String stdout, String stderr, int status) {}

    private Plain plain(Case c) throws Exception {
        Path work = Files.createDirectories(dir.resolve("plain"));
        Files.writeString(work.resolve("main.pl"), c.program());
        ProcessBuilder builder = new ProcessBuilder("swipl", "-q", work.resolve("main.pl").toString())
                .directory(work.toFile());
        builder.environment().clear();
        builder.environment().putAll(java.util.Map.of("PATH", "/usr/bin:/bin", "HOME", work.toString(),
                "LANG", "C.UTF-8"));
        // stdin from a file: swipl may exit (halt/1 at load) before a pipe could be written to
        Process swipl = builder.redirectInput(Files.writeString(work.resolve("stdin"), c.stdin()).toFile()).start();
        String stdout = new String(swipl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String stderr = new String(swipl.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Plain(stdout, stderr, swipl.waitFor());
    }

    /** Each run has its own directory: the code file's path is compared by its name. */
    private static String paths(String text) {
        return text.replaceAll("/\\S*/main\\.pl", "main.pl");
    }
}
