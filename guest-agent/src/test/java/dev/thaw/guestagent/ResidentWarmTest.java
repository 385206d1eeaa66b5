package dev.thaw.guestagent;

import static dev.thaw.guestagent.AgentHostModeTest.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.thaw.agent.GuestMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's WARM with a kept-stdio runner that serves mode warm: a small Python runner
 * written here, which stands for any runtime whose warm-up must happen in its own process.
 * Its warm-up prints more than a pipe holds, so an agent that stopped draining the kept
 * pipes while it waits would hang.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ResidentWarmTest {

    private static final String RUNNER = """
            import os, sys
            channel = os.fdopen(3, "r+b", buffering=0)
            warm_ups = 0
            def tell(line):
                channel.write((line + "\\n").encode())
            def requests():
                pending = b""
                while True:
                    fields = pending.split(b"\\0")
                    if len(fields) > 4:
                        pending = b"\\0".join(fields[4:])
                        yield [f.decode() for f in fields[:4]]
                        continue
                    got = channel.read(4096)
                    if not got:
                        return
                    pending += got
            tell("READY")
            for kind, workdir, code, mode in requests():
                if mode == "warm":
                    warm_ups += 1
                    sys.stdout.write("w" * 300000)
                    sys.stdout.flush()
                    tell("EXIT 0" if warm_ups == 1 else "EXIT 1")
                elif mode == "here":
                    tell("PID %d" % os.getpid())
                    sys.stdout.write("served after %d warm-ups\\n" % warm_ups)
                    sys.stdout.flush()
                    tell("EXIT 0")
                    sys.exit(0)
                else:
                    tell("ERROR mode " + mode)
            """;

    @TempDir
    Path dir;
    KeptStdioRunner runner;

    @BeforeEach
    void start() throws Exception {
        Path script = Files.writeString(dir.resolve("runner.py"), RUNNER);
        runner = KeptStdioRunner.startCommand(dir, List.of("/usr/bin/python3", script.toString()), "main.txt");
    }

    @AfterEach
    void stop() throws Exception {
        if (runner != null) {
            runner.close();
        }
    }

    @Test
    void warm_has_the_runner_warm_up_in_its_own_process_and_drops_what_it_printed() {
        GuestMessage.Result warmed = runner.warm();

        assertThat(warmed.exitCode()).isZero();
        assertThat(warmed.stdout()).isEmpty();
        GuestMessage.Result last = runner.last("ignored", "", List.of(), List.of());
        assertThat(text(last.stdout())).isEqualTo("served after 1 warm-ups\n");
    }

    @Test
    void a_failed_warm_up_is_a_failure_and_the_runner_still_serves_the_last_program() {
        runner.warm();

        assertThatThrownBy(() -> runner.warm()).hasMessageContaining("could not warm up again: EXIT 1");
        assertThat(text(runner.last("ignored", "", List.of(), List.of()).stdout()))
                .isEqualTo("served after 2 warm-ups\n");
    }
}
