package dev.thaw.guestagent;

import static dev.thaw.guestagent.AgentHostModeTest.text;
import static org.assertj.core.api.Assertions.assertThat;

import dev.thaw.agent.GuestMessage;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The agent with perl-runner.pl as its kept-stdio resident runner, on the host's perl. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PerlRunnerTest extends KeptStdioRunnerContract {

    @Override
    KeptStdioRunner start(Path dir) throws Exception {
        return KeptStdioRunner.start(dir, List.of("/usr/bin/perl"), "perl-runner.pl", "main.pl",
                List.of("perl", "{file}"));
    }

    @Override
    String hello() {
        return "print \"hello\\n\";\n";
    }

    @Override
    String byeThenExit3() {
        return "END { print \"bye\\n\" } exit 3;\n";
    }

    @Override
    String printLast() {
        return "print 'last';";
    }

    @Test
    void reads_stdin_and_sees_its_arguments_environment_script_and_directory() {
        GuestMessage.Result result = runner.last("""
                use strict; use Cwd;
                my $line = <STDIN>; chomp $line;
                print join(' ', uc $line, join(',', @ARGV), scalar @ARGV, $ENV{FOO},
                    getcwd() eq $ENV{HOME} ? 1 : 0, $0 eq __FILE__ ? 1 : 0, $0 =~ m{/main\\.pl$} ? 1 : 0,
                    join(',', sort grep { !/^(PATH|HOME|TMPDIR|LANG|FOO)$/ } keys %ENV)), "\\n";
                """, "abc\n", List.of("one", "two words"), List.of("FOO=bar"));

        assertThat(text(result.stderr())).isEmpty();
        assertThat(text(result.stdout())).isEqualTo("ABC one,two words 2 bar 1 1 1 \n");
    }

    @Test
    void an_uncaught_die_is_reported_as_perl_reports_it_with_its_status() {
        GuestMessage.Result result = runner.last("$! = 0; sub f { die \"boom\" } print \"before\\n\"; f();\n",
                "", List.of(), List.of());

        assertThat(text(result.stdout())).isEqualTo("before\n");
        assertThat(text(result.stderr())).matches("boom at /\\S*/main\\.pl line 1\\.\n");
        assertThat(result.exitCode()).isEqualTo(255);
    }

    @Test
    void a_compile_error_is_reported_with_perls_message_and_status() {
        GuestMessage.Result result = runner.last("use strict;\n$x = 1;\n", "", List.of(), List.of());

        assertThat(text(result.stderr())).matches("""
                Global symbol "\\$x" requires explicit package name \\(did you forget to declare "my \\$x"\\?\\) \
                at /\\S*/main\\.pl line 2\\.
                """); // without perl's last line, "Execution of ... aborted due to compilation errors."
        assertThat(result.exitCode()).isEqualTo(255);
    }

    @Test
    void a_program_that_ends_after_a_caught_die_exits_0() {
        GuestMessage.Result result = runner.last("eval { die \"caught\\n\" }; print $@;", "", List.of(), List.of());

        assertThat(text(result.stdout())).isEqualTo("caught\n");
        assertThat(result.exitCode()).isZero();
    }

    @Test
    void data_after_end_is_read_from_the_data_handle() {
        GuestMessage.Result result = runner.last("print while <DATA>;\n__END__\none\ntwo\n", "", List.of(), List.of());

        assertThat(text(result.stdout())).isEqualTo("one\ntwo\n");
    }
}
