package dev.thaw.guestagent;

import static dev.thaw.guestagent.AgentHostModeTest.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.thaw.agent.GuestMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The agent with premain.so as its kept-stdio resident runner: the host's perl, stopped before
 * its main() until the guest's last program comes, as languages.json's {@code "premain": true}
 * starts it in an image.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PremainRunnerTest extends KeptStdioRunnerContract {

    static final Path PERL = Path.of("/usr/bin/perl");

    @Override
    KeptStdioRunner start(Path dir) throws Exception {
        assumeTrue(Files.isExecutable(PERL), "needs " + PERL);
        Path library = SharedLibraryCompiler.guestLibrary(dir, "premain.so");
        return KeptStdioRunner.startCommand(dir,
                List.of("/usr/bin/env", "LD_PRELOAD=" + library, PERL.toString(), "{file}"), "main.pl");
    }

    @Override
    String hello() {
        return "print \"hello\\n\";\n";
    }

    @Override
    String byeThenExit3() {
        return "print \"bye\\n\";\nexit 3;\n";
    }

    @Override
    String printLast() {
        return "print \"last\";";
    }

    @Test
    void the_program_is_perls_main_script_in_its_own_directory_environment_and_stdin() {
        GuestMessage.Result result = runner.last("""
                use Cwd;
                my $line = <STDIN>;
                print uc($line), "$0 ", (getcwd() eq $ENV{HOME} ? "home" : "elsewhere"), " $ENV{FOO}\\n";
                print defined $ENV{LD_PRELOAD} ? "preloaded\\n" : "plain\\n";
                system("sh", "-c", "echo child \\${LD_PRELOAD:-plain}");
                """, "abc\n", List.of(), List.of("FOO=bar"));

        assertThat(text(result.stderr())).isEmpty();
        assertThat(text(result.stdout())).matches("ABC\n/\\S+/tmp/thaw/run-1/main\\.pl home bar\nplain\nchild plain\n");
    }

    @Test
    void caller_is_false_at_the_top_level_as_under_the_plain_command() {
        GuestMessage.Result result = runner.last("sub main { print \"main ran\\n\" }\nmain() unless caller;\n",
                "", List.of(), List.of());

        assertThat(text(result.stdout())).isEqualTo("main ran\n");
    }

    @Test
    void a_die_is_reported_with_the_code_files_path_and_exits_255() {
        GuestMessage.Result result = runner.last("die \"boom\\n\" if 1;\ndie \"again\";\n", "", List.of(), List.of());

        assertThat(text(result.stderr())).isEqualTo("boom\n");
        assertThat(result.exitCode()).isEqualTo(255);
    }

    @Test
    void a_program_with_arguments_is_refused_since_its_argc_was_fixed_at_start() {
        assertThatThrownBy(() -> runner.last(hello(), "", List.of("one"), List.of()))
                .hasMessageContaining("cannot hand a program arguments");
    }
}
