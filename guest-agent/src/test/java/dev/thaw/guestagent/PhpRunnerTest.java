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

/** The agent with php-runner.php as its kept-stdio resident runner, on the host's php. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PhpRunnerTest extends KeptStdioRunnerContract {

    static final Path PHP = Path.of("/usr/bin/php");

    @Override
    KeptStdioRunner start(Path dir) throws Exception {
        assumeTrue(Files.isExecutable(PHP), "needs " + PHP + " (scripts/host.sh installs php-cli)");
        return KeptStdioRunner.start(dir, List.of(PHP.toString()), "php-runner.php", "main.php");
    }

    @Override
    String hello() {
        return "<?php echo \"hello\\n\";";
    }

    @Override
    String byeThenExit3() {
        return "<?php register_shutdown_function(fn() => print(\"bye\\n\")); exit(3);";
    }

    @Override
    String printLast() {
        return "<?php echo 'last';";
    }

    @Test
    void reads_stdin_and_sees_its_arguments_environment_script_and_globals() {
        GuestMessage.Result result = runner.last("""
                <?php
                $input = stream_get_contents(STDIN);
                function shout() { global $input; return strtoupper($input); }
                echo shout(), ' ', implode(',', array_slice($argv, 1)), ' ', $argc, ' ', getenv('FOO'), ' ',
                    $_SERVER['FOO'], ' ', count(getenv()) + 9 === count($_SERVER), ' ',
                    getcwd() === dirname(__FILE__), ' ', $argv[0] === __FILE__, ' ', basename($_SERVER['SCRIPT_NAME']),
                    ' ', function_exists('main') ? 'main' : 'own', "\\n";
                """, "abc", List.of("one", "two words"), List.of("FOO=bar"));

        assertThat(text(result.stderr())).isEmpty();
        assertThat(text(result.stdout())).isEqualTo("ABC one,two words 3 bar bar 1 1 1 main.php own\n");
    }

    @Test
    void an_uncaught_exception_is_reported_as_php_reports_it_and_exits_255() {
        GuestMessage.Result result = runner.last("<?php\necho \"before\\n\";\nfunction f() { throw new RuntimeException('boom'); }\nf();\n",
                "", List.of(), List.of());

        assertThat(text(result.stdout())).isEqualTo("before\n");
        assertThat(text(result.stderr())).matches("""
                PHP Fatal error:  Uncaught RuntimeException: boom in /\\S*/main.php:3
                Stack trace:
                #0 /\\S*/main.php\\(4\\): f\\(\\)
                #1 \\{main\\}
                  thrown in /\\S*/main.php on line 3
                """);
        assertThat(result.exitCode()).isEqualTo(255);
    }

    @Test
    void a_parse_error_is_reported_as_php_reports_it() {
        GuestMessage.Result result = runner.last("<?php\necho 'a'\necho 'b';\n", "", List.of(), List.of());

        assertThat(text(result.stderr())).matches("PHP Parse error:  syntax error, unexpected token \"echo\", expecting"
                + " \",\" or \";\" in /\\S*/main.php on line 3\n");
        assertThat(result.exitCode()).isEqualTo(255);
    }

    @Test
    void a_timed_out_program_is_killed() {
        GuestMessage.Result spin = runner.timedOut("<?php for (;;) {}", 500);

        assertThat(spin.timedOut()).isTrue();
        assertThat(spin.signal()).isEqualTo(9);
    }
}
