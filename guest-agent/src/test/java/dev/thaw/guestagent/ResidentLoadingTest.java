package dev.thaw.guestagent;

import static dev.thaw.guestagent.AgentHostModeTest.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.thaw.agent.AgentChannel;
import dev.thaw.agent.AgentException;
import dev.thaw.agent.GuestMessage;
import dev.thaw.agent.HostMessage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent serves at once while its resident runner loads (kotlin's and scala's take minutes
 * under TCG): READY says whether the runner is loaded now, and resident runs wait for it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ResidentLoadingTest {

    /** How long the slow runner takes to load; the agent must answer well before. */
    private static final int LOAD_SECONDS = 3;

    @TempDir
    Path dir;
    HostModeAgent agent;

    @AfterEach
    void stop() throws Exception {
        if (agent != null) {
            agent.close();
        }
    }

    @Test
    void a_slow_runner_does_not_hold_ready_and_the_flag_turns_on_once_it_is_loaded() throws Exception {
        AgentChannel channel = startWith("sleep " + LOAD_SECONDS + "\nexec " + ResidentRunnerTest.PYTHON
                + " -s " + pythonRunner());
        long start = System.nanoTime();

        GuestMessage.Ready early = channel.handshake(Duration.ofSeconds(LOAD_SECONDS - 1));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(LOAD_SECONDS - 1));
        assertThat(early.residentRunner()).isFalse();
        assertThat(early.residentLoading()).isTrue();
        assertThatThrownBy(() -> resident(channel, "print(1)")).isInstanceOfSatisfying(AgentException.class,
                e -> assertThat(e.code()).isEqualTo(AgentException.Code.GUEST_FAILURE))
                .hasMessageContaining("the resident runner is not ready yet");
        assertThat(text(ordinary(channel, "echo meanwhile").stdout())).isEqualTo("meanwhile\n");

        GuestMessage.Ready loaded = channel.awaitResidentRunner(Duration.ofSeconds(30));
        assertThat(loaded.residentRunner()).isTrue();
        assertThat(loaded.residentLoading()).isFalse();
        assertThat(text(resident(channel, "print(6*7)").stdout())).isEqualTo("42\n");
    }

    @Test
    void a_runner_that_ends_while_loading_is_neither_loaded_nor_loading_and_resident_runs_say_how_it_ended()
            throws Exception {
        AgentChannel channel = startWith("sleep 1\nexit 3");

        GuestMessage.Ready ready = channel.awaitResidentRunner(Duration.ofSeconds(30));

        assertThat(ready.residentRunner()).isFalse();
        assertThat(ready.residentLoading()).isFalse();
        assertThatThrownBy(() -> resident(channel, "print(1)")).hasMessageContaining("the resident runner is not running")
                .hasMessageContaining("exited with status 3");
    }

    @Test
    void a_runner_whose_first_line_is_not_ready_is_killed_and_resident_runs_quote_it() throws Exception {
        AgentChannel channel = startWith("echo hello >&3\nexec sleep 30");

        GuestMessage.Ready ready = channel.awaitResidentRunner(Duration.ofSeconds(30));

        assertThat(ready.residentRunner()).isFalse();
        assertThat(ready.residentLoading()).isFalse();
        assertThatThrownBy(() -> resident(channel, "print(1)"))
                .hasMessageContaining("the resident runner said \"hello\" instead of READY");
    }

    @Test
    void no_resident_starts_no_runner() throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        HostModeAgent.writeResidentList(root, List.of(script("echo started > " + dir.resolve("started")).toString()));
        agent = HostModeAgent.start(root, "--no-resident");

        GuestMessage.Ready ready = agent.channel().handshake(Duration.ofSeconds(10));

        assertThat(ready.residentRunner()).isFalse();
        assertThat(ready.residentLoading()).isFalse();
        assertThat(dir.resolve("started")).doesNotExist();
    }

    private AgentChannel startWith(String runnerScript) throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        HostModeAgent.writeResidentList(root, List.of(script(runnerScript).toString()));
        agent = HostModeAgent.start(root);
        return agent.channel();
    }

    private Path script(String body) throws Exception {
        Path script = dir.resolve("runner.sh");
        Files.writeString(script, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return script;
    }

    private Path pythonRunner() throws Exception {
        assumeTrue(Files.isExecutable(ResidentRunnerTest.PYTHON), "needs " + ResidentRunnerTest.PYTHON);
        Path runner = dir.resolve("python-runner.py");
        Files.copy(HostModeAgent.sourceDir().resolve("python-runner.py"), runner);
        return runner;
    }

    private static GuestMessage.Result resident(AgentChannel channel, String python) {
        return channel.run(new HostMessage.Run(true, false, 10_000, 1000, "main.py",
                python.getBytes(StandardCharsets.UTF_8), new byte[0], List.of(), List.of()), Duration.ofSeconds(20));
    }

    private static GuestMessage.Result ordinary(AgentChannel channel, String shell) {
        return channel.run(new HostMessage.Run(false, false, 10_000, 1000, "main.sh", new byte[0], new byte[0],
                List.of("/bin/sh", "-c", shell), List.of()), Duration.ofSeconds(20));
    }
}
