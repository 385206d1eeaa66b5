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

/**
 * The agent with d's resident compiler (languages.json: {@code "hold": true}): the host's gdc
 * compiler started by {@code d-compile.sh --held} under premain.so and compile-hold.so, held
 * where it reads the program after std.stdio, then compiling it, assembling and linking it, and
 * becoming the program it made.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DHeldCompilerTest extends KeptStdioRunnerContract {

    static final Path D21 = Path.of("/usr/lib/gcc/x86_64-linux-gnu/12/d21");
    static final HeldCompiler.CompileScript SCRIPT =
            new HeldCompiler.CompileScript("d-compile.sh", "THAW_D_DIR", "main.d");

    @Override
    KeptStdioRunner start(Path dir) throws Exception {
        assumeTrue(Files.isExecutable(D21), "needs gdc's " + D21);
        return SCRIPT.startHeld(dir, dir.resolve("d"));
    }

    @Override
    String hello() {
        return "import std.stdio;\nvoid main() { writeln(\"hello\"); }\n";
    }

    @Override
    String byeThenExit3() {
        return "import std.stdio;\nint main() { writeln(\"bye\"); return 3; }\n";
    }

    @Override
    String printLast() {
        return "import std.stdio;\nvoid main() { write(\"last\"); }\n";
    }

    @Test
    void the_program_gets_its_arguments_stdin_and_environment() {
        GuestMessage.Result result = runner.last("""
                import std.stdio, std.process, std.file, std.string;
                void main(string[] args) {
                    writeln(readln().strip, " ", args[1 .. $], " ", environment.get("FOO"), " ",
                            environment.get("LD_PRELOAD", "plain"));
                    writeln(getcwd() == environment["HOME"], " ", exists("main"), " ", args[0]);
                }
                """, "abc\n", List.of("one", "two words"), List.of("FOO=bar"));

        assertThat(text(result.stderr())).isEmpty();
        assertThat(text(result.stdout())).isEqualTo("abc [\"one\", \"two words\"] bar plain\ntrue true ./main\n");
        assertThat(result.exitCode()).isZero();
    }

    @Test
    void a_compile_error_names_main_d_and_its_line_with_status_1_and_no_program_runs() {
        GuestMessage.Result result = runner.last("""
                import std.stdio;
                void main() {
                    writeln("before");
                    int x = "text";
                }
                """, "", List.of(), List.of());

        assertThat(text(result.stdout())).isEmpty();
        assertThat(text(result.stderr())).startsWith("main.d:4:13: error: cannot implicitly convert expression");
        assertThat(result.exitCode()).isEqualTo(1);
    }

    @Test
    void a_module_declaration_after_comments_and_a_shebang_line_compile_and_keep_the_line_numbers() {
        GuestMessage.Result result = runner.last("""
                #!/usr/bin/env rdmd
                // the program's name
                /* a block /+ with a nested comment +/ */
                module app.main;
                import std.stdio;
                void main() { writeln(__LINE__, " ", __FILE__); }
                """, "", List.of(), List.of());

        assertThat(text(result.stderr())).isEmpty();
        assertThat(text(result.stdout())).isEqualTo("6 main.d\n");
        assertThat(result.exitCode()).isZero();
    }

    @Test
    void a_compile_by_the_command_while_the_compiler_is_held_leaves_the_held_compile_whole() throws Exception {
        // Longer than the hello's assembly, which d21 would otherwise write over it.
        String plain = SCRIPT.compileAndRunPlain(dir, dir.resolve("d"), """
                import std.stdio, std.algorithm, std.array;
                void main() { writeln([3, 1, 2].sort.map!(x => x * 2).array, " ", 1.5, " ", 'c', " plain"); }
                """);
        GuestMessage.Result held = runner.last(hello(), "", List.of(), List.of());

        assertThat(plain).isEqualTo("[2, 4, 6] 1.5 c plain\n");
        assertThat(text(held.stderr())).isEmpty();
        assertThat(text(held.stdout())).isEqualTo("hello\n");
    }

    @Test
    void the_compile_command_compiles_alike_without_the_agent() throws Exception {
        String output = SCRIPT.compileAndRunPlain(dir, dir.resolve("d-plain"), """
                module main;
                import std.stdio;
                void main() { writeln("plain ", 6 * 7, " ", __LINE__); }
                """);

        assertThat(output).isEqualTo("plain 42 3\n");
    }
}
