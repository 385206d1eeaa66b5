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
 * The agent with crystal's resident compiler (languages.json: {@code "hold": true}): the host's
 * crystal started by {@code crystal-compile.sh --held} under premain.so and compile-hold.so,
 * held where it opens the program's source after its prelude, then compiling the program and
 * becoming the program it made.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class CrystalHeldCompilerTest extends KeptStdioRunnerContract {

    static final Path CRYSTAL = Path.of("/usr/bin/crystal");
    static final HeldCompiler.CompileScript SCRIPT =
            new HeldCompiler.CompileScript("crystal-compile.sh", "THAW_CRYSTAL_DIR", "main.cr");

    Path crystalDir;

    @Override
    KeptStdioRunner start(Path dir) throws Exception {
        assumeTrue(Files.isExecutable(CRYSTAL), "needs " + CRYSTAL);
        crystalDir = dir.resolve("crystal");
        return SCRIPT.startHeld(dir, crystalDir);
    }

    @Override
    String hello() {
        return "puts \"hello\"\n";
    }

    @Override
    String byeThenExit3() {
        return "puts \"bye\"\nexit 3\n";
    }

    @Override
    String printLast() {
        return "print \"last\"\n";
    }

    @Test
    void the_program_gets_its_arguments_stdin_and_environment_and_the_compile_its_cache() {
        GuestMessage.Result result = runner.last("""
                puts "#{gets} #{ARGV} #{ENV["FOO"]?} #{ENV["CRYSTAL_CACHE_DIR"]? || "uncached"} #{ENV["LD_PRELOAD"]? || "plain"}"
                puts "#{Dir.current == ENV["HOME"]} #{File.exists?("main")} #{PROGRAM_NAME}"
                """, "abc\n", List.of("one", "two words"), List.of("FOO=bar"));

        assertThat(text(result.stderr())).isEmpty();
        assertThat(text(result.stdout())).isEqualTo("abc [\"one\", \"two words\"] bar uncached plain\ntrue true ./main\n");
        assertThat(result.exitCode()).isZero();
        assertThat(crystalDir.resolve("cache")).isDirectory();
    }

    @Test
    void a_compile_error_is_crystals_message_about_main_cr_on_stderr_with_status_1_and_no_program_runs() {
        GuestMessage.Result result = runner.last("puts \"before\"\nundeclared_thing\n", "", List.of(), List.of());

        assertThat(text(result.stdout())).isEmpty();
        assertThat(text(result.stderr())).contains("In main.cr:2:1")
                .contains("Error: undefined local variable or method 'undeclared_thing' for top-level")
                .doesNotContain("\u001b[");
        assertThat(result.exitCode()).isEqualTo(1);
    }

    @Test
    void the_compile_command_compiles_alike_without_the_agent() throws Exception {
        String output = SCRIPT.compileAndRunPlain(dir, dir.resolve("crystal-plain"),
                "puts \"plain #{6 * 7}\"\n");

        assertThat(output).isEqualTo("plain 42\n");
        assertThat(dir.resolve("crystal-plain/cache")).isDirectory();
    }
}
