package dev.thaw.guestagent;

import static dev.thaw.guestagent.AgentHostModeTest.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.thaw.agent.GuestMessage;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The agent with haxe-runner.hx as its kept-stdio resident runner, started as languages.json
 * starts it, where the host has Haxe and neko ({@code apt-get install haxe}; the guest's real
 * runs are {@code thaw test-languages --lang haxe}). Each runner gets a free port for its
 * compilation server, so that tests and other runners on the host do not meet.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HaxeRunnerTest extends KeptStdioRunnerContract {

    static final Path HAXE = Path.of("/usr/bin/haxe");
    static final Path NEKO = Path.of("/usr/bin/neko");

    @Override
    KeptStdioRunner start(Path dir) throws Exception {
        assumeTrue(Files.isExecutable(HAXE) && Files.isExecutable(NEKO), "needs haxe and neko (apt-get install haxe)");
        return KeptStdioRunner.start(dir, List.of("/usr/bin/env", "THAW_HAXE_PORT=" + freePort(), "/bin/sh"),
                "haxe-runner.hx", "Main.hx", Duration.ofSeconds(60));
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Override
    String hello() {
        return "class Main { static function main() { Sys.println(\"hello\"); } }";
    }

    @Override
    String byeThenExit3() {
        return "class Main { static function main() { Sys.println(\"bye\"); Sys.exit(3); } }";
    }

    @Override
    String printLast() {
        return "class Main { static function main() { Sys.print(\"last\"); } }";
    }

    @Test
    void reads_stdin_and_sees_its_environment_and_directory() {
        GuestMessage.Result result = runner.last("""
                class Main {
                    static function main() {
                        var line = Sys.stdin().readLine();
                        Sys.println([line.toUpperCase(), Std.string(Sys.stdin().readAll().length), Sys.args().join("|"),
                            Sys.getEnv("FOO"), Std.string(Sys.getEnv("HOME") == null), Std.string(sys.FileSystem.exists("Main.hx"))].join(" "));
                    }
                }
                """, "abc\nde", List.of("x", "y z"), List.of("FOO=bar"));

        assertThat(text(result.stderr())).isEmpty();
        assertThat(text(result.stdout())).isEqualTo("ABC 2 x|y z bar false true\n");
        assertThat(result.exitCode()).isZero();
    }

    @Test
    void an_uncaught_exception_is_reported_by_neko_with_status_1() {
        GuestMessage.Result result = runner.last("""
                class Main {
                    static function main() {
                        Sys.print("before");
                        throw "boom";
                    }
                }
                """, "", List.of(), List.of());

        assertThat(text(result.stdout())).isEqualTo("before");
        // neko prints the haxe.ValueException the string is wrapped in, as under `neko main.n`
        assertThat(text(result.stderr())).contains("Called from Main.hx line 4\n")
                .contains("Uncaught exception - {").contains("value => boom");
        assertThat(result.exitCode()).isEqualTo(1);
    }

    @Test
    void a_compile_error_is_reported_as_haxe_reports_it_with_status_1() {
        GuestMessage.Result result = runner.last("class Main { static function main() { var x:Int = \"s\"; } }", "",
                List.of(), List.of());

        assertThat(text(result.stdout())).isEmpty();
        assertThat(text(result.stderr())).isEqualTo("Main.hx:1: characters 39-55 : String should be Int\n");
        assertThat(result.exitCode()).isEqualTo(1);
    }
}
