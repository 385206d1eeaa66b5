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
 * The agent with octave-runner.m as its kept-stdio resident runner, where the host has
 * octave (a test-only package: .ci/run installs it, ./test skips without it; the guest's real
 * runs are {@code thaw test-languages --lang octave}).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class OctaveRunnerTest {

    @TempDir
    Path dir;
    KeptStdioRunner octave;

    @BeforeEach
    void start() throws Exception {
        octave = KeptStdioRunner.start(dir, List.of("/usr/bin/octave-cli", "--quiet", "--no-init-file"), "octave-runner.m", "main.m", Duration.ofSeconds(120));
    }

    @AfterEach
    void stop() throws Exception {
        if (octave != null) {
            octave.close();
        }
    }

    @Test
    void prints_hello() {
        GuestMessage.Result result = octave.last("printf(\"hello\\n\");\n", "", List.of(), List.of());

        assertThat(text(result.stderr())).doesNotContain("warm-up"); // Debian's 7.3 ends with an "error: ignoring" line
        assertThat(text(result.stdout())).isEqualTo("hello\n");
        assertThat(result.exitCode()).isZero();
    }

    @Test
    void reads_stdin_and_sees_its_arguments_environment_program_name_and_directory() {
        GuestMessage.Result result = octave.last("""
                printf("%s %s %s %s %s %d %d\\n", upper(fgetl(stdin)), strjoin(argv(), ","), getenv("FOO"),
                       program_name(), mfilename(), strcmp(pwd(), getenv("HOME")), rand() < 1);
                system("echo $FOO");
                """, "abc\n", List.of("one", "two words"), List.of("FOO=bar"));

        assertThat(text(result.stderr())).doesNotContain("warning");
        assertThat(text(result.stdout())).isEqualTo("ABC one,two words bar main.m main 1 1\nbar\n");
    }

    @Test
    void exit_ends_the_program_with_its_status_after_its_output() {
        GuestMessage.Result result = octave.last("printf(\"out\");\nexit(3);\n", "", List.of(), List.of());

        assertThat(text(result.stdout())).isEqualTo("out");
        assertThat(result.exitCode()).isEqualTo(3);
    }

    @Test
    void an_uncaught_error_is_reported_as_octave_cli_reports_it_with_status_1() {
        GuestMessage.Result result = octave.last("disp(1);\nerror(\"boom %d\", 3);\n", "", List.of(), List.of());

        assertThat(text(result.stdout())).isEqualTo("1\n");
        assertThat(text(result.stderr())).startsWith("error: boom 3\nerror: called from\n    main at line 2 column 1\n"
                + "error: ignoring const execution_exception& while preparing to exit\n").doesNotContain("octave-runner");
        assertThat(result.exitCode()).isEqualTo(1);
    }
}
