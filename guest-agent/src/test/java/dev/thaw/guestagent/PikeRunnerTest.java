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

/** The agent with pike-runner.pike as its kept-stdio resident runner, on the host's pike if any. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PikeRunnerTest extends KeptStdioRunnerContract {

    static final Path PIKE = Path.of("/usr/bin/pike");

    @Override
    KeptStdioRunner start(Path dir) throws Exception {
        assumeTrue(Files.isExecutable(PIKE), "needs " + PIKE + " (Debian's pike8.0-core)");
        return KeptStdioRunner.start(dir, List.of(PIKE.toString()), "pike-runner.pike", "main.pike");
    }

    @Override
    String hello() {
        return "int main() { write(\"hello\\n\"); return 0; }\n";
    }

    @Override
    String byeThenExit3() {
        return "int main() { write(\"bye\\n\"); exit(3); }\n";
    }

    @Override
    String printLast() {
        return "int main() { write(\"last\"); }";
    }

    @Test
    void reads_stdin_and_sees_its_arguments_environment_script_and_directory() {
        GuestMessage.Result result = runner.last("""
                int main(int argc, array(string) argv) {
                    write("%s %s %d %s %d %s\\n", upper_case(Stdio.stdin->gets()), argv[1..] * ",", argc,
                        getenv("FOO"), getcwd() == getenv("HOME"), basename(argv[0]));
                }
                """, "abc\n", List.of("one", "two words"), List.of("FOO=bar"));

        assertThat(text(result.stderr())).isEmpty();
        assertThat(text(result.stdout())).isEqualTo("ABC one,two words 3 bar 1 main.pike\n");
    }

    @Test
    void an_uncaught_error_is_reported_as_pike_reports_it_and_exits_10() {
        GuestMessage.Result result = runner.last("void f() { error(\"boom\\n\"); }\nint main() { f(); }\n",
                "", List.of(), List.of());

        assertThat(text(result.stderr())).isEqualTo("boom\nmain.pike:1: /main()->f()\nmain.pike:2: /main()->main()\n");
        assertThat(result.exitCode()).isEqualTo(10);
    }

    @Test
    void main_returning_a_status_sets_it() {
        assertThat(runner.last("int main() { return 7; }", "", List.of(), List.of()).exitCode()).isEqualTo(7);
    }
}
