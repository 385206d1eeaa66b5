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
 * The agent with raku-runner.raku as its kept-stdio resident runner, where the host has
 * rakudo (a test-only package: .ci/run installs it, ./test skips without it; the guest's real
 * runs are {@code thaw test-languages --lang raku}).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RakuRunnerTest {

    @TempDir
    Path dir;
    KeptStdioRunner raku;

    @BeforeEach
    void start() throws Exception {
        raku = KeptStdioRunner.start(dir, List.of("/usr/bin/raku"), "raku-runner.raku", "main.raku", Duration.ofSeconds(60));
    }

    @AfterEach
    void stop() throws Exception {
        if (raku != null) {
            raku.close();
        }
    }

    @Test
    void prints_hello() {
        GuestMessage.Result result = raku.last("say 'hello';", "", List.of(), List.of());

        assertThat(text(result.stderr())).isEmpty();
        assertThat(text(result.stdout())).isEqualTo("hello\n");
        assertThat(result.exitCode()).isZero();
    }

    @Test
    void reads_stdin_and_sees_its_arguments_environment_program_name_and_directory() {
        GuestMessage.Result result = raku.last("""
                say $*IN.slurp.uc, ' ', @*ARGS.join(','), ' ', %*ENV<FOO>, ' ', %*ENV<PATH>:exists,
                    ' ', $*CWD eq %*ENV<HOME>, ' ', $*PROGRAM-NAME.IO.basename, ' ', $*PROGRAM.basename,
                    ' ', rand < 1, ' ', run('sh', '-c', 'echo $FOO', :out).out.slurp(:close).chomp;
                """, "abc", List.of("one", "two words"), List.of("FOO=bar"));

        assertThat(text(result.stderr())).isEmpty();
        assertThat(text(result.stdout())).isEqualTo("ABC one,two words bar True True main.raku main.raku True bar\n");
    }

    @Test
    void main_gets_the_arguments_and_end_phasers_run_before_the_answer() {
        GuestMessage.Result result = raku.last("END { say 'end' }\nsub MAIN($a, $b) { say \"$b $a\" }\n", "",
                List.of("x", "y"), List.of());

        assertThat(text(result.stdout())).isEqualTo("y x\nend\n");
        assertThat(result.exitCode()).isZero();
    }

    @Test
    void exit_ends_the_program_with_its_status() {
        GuestMessage.Result result = raku.last("END { say 'end' }\nprint 'out';\nexit 3;\n", "", List.of(), List.of());

        assertThat(text(result.stdout())).isEqualTo("outend\n");
        assertThat(result.exitCode()).isEqualTo(3);
    }

    @Test
    void an_uncaught_exception_is_reported_as_raku_reports_it_with_status_1() {
        GuestMessage.Result result = raku.last("say 'before';\ndie 'boom';\n", "", List.of(), List.of());

        assertThat(text(result.stdout())).isEqualTo("before\n");
        assertThat(text(result.stderr())).startsWith("boom\n  in block <unit> at ").contains("main.raku line 2");
        assertThat(result.exitCode()).isEqualTo(1);
    }

    @Test
    void a_compile_error_is_reported_with_status_1() {
        GuestMessage.Result result = raku.last("say 1;\nmy $x = ;\n", "", List.of(), List.of());

        assertThat(text(result.stdout())).isEmpty();
        assertThat(text(result.stderr())).contains("SORRY!").contains("Malformed initializer");
        assertThat(result.exitCode()).isEqualTo(1);
    }
}
