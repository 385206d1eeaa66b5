package dev.thaw.guestagent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.thaw.agent.AgentChannel;
import dev.thaw.agent.AgentException;
import dev.thaw.agent.GuestMessage;
import dev.thaw.agent.HostMessage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The compiled agent running programs from argv, driven through the Java end of the protocol. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AgentHostModeTest {

    @TempDir
    Path dir;
    HostModeAgent agent;
    AgentChannel channel;

    @BeforeEach
    void start() throws Exception {
        agent = HostModeAgent.start(java.nio.file.Files.createDirectory(dir.resolve("root")));
        channel = agent.channel();
    }

    @AfterEach
    void stop() throws Exception {
        agent.close();
    }

    @Test
    void answers_ping_with_its_version_and_no_resident_runner() {
        GuestMessage.Ready ready = channel.handshake(Duration.ofSeconds(10));
        assertThat(ready.agentVersion()).isEqualTo(HostModeAgent.VERSION);
        assertThat(ready.residentRunner()).isFalse();
    }

    @Test
    void runs_a_command_from_argv() {
        GuestMessage.Result result = run(sh("echo hello; echo oops >&2"), "", List.of(), 5000, 1000);
        assertThat(text(result.stdout())).isEqualTo("hello\n");
        assertThat(text(result.stderr())).isEqualTo("oops\n");
        assertThat(result.exitCode()).isZero();
        assertThat(result.signal()).isZero();
        assertThat(result.timedOut()).isFalse();
        assertThat(result.durationMicros()).isPositive();
    }

    @Test
    void feeds_stdin_and_closes_it() {
        GuestMessage.Result result = run(List.of("/bin/cat"), "line 1\nline 2\n", List.of(), 5000, 1000);
        assertThat(text(result.stdout())).isEqualTo("line 1\nline 2\n");
    }

    @Test
    void reports_exit_codes_and_signals() {
        assertThat(run(sh("exit 7"), "", List.of(), 5000, 100).exitCode()).isEqualTo(7);
        GuestMessage.Result killed = run(sh("kill -TERM $$"), "", List.of(), 5000, 100);
        assertThat(killed.signal()).isEqualTo(15);
        assertThat(killed.exitCode()).isEqualTo(128 + 15);
    }

    @Test
    void timeout_kills_the_process_group_and_says_so() {
        long start = System.nanoTime();
        GuestMessage.Result result = run(sh("sleep 100 & sleep 100; echo never"), "", List.of(), 500, 100);
        assertThat(result.timedOut()).isTrue();
        assertThat(result.signal()).isEqualTo(9);
        assertThat(result.exitCode()).isEqualTo(137);
        assertThat(text(result.stdout())).isEmpty();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void output_beyond_the_cap_is_read_and_dropped() {
        GuestMessage.Result result = run(sh("yes | head -c 10000000; echo done >&2"), "", List.of(), 20000, 10000);
        assertThat(result.stdout()).hasSize(10000);
        assertThat(result.stdoutTruncated()).isTrue();
        assertThat(result.stderrTruncated()).isFalse();
        assertThat(text(result.stderr())).isEqualTo("done\n");
        assertThat(result.exitCode()).isZero();
    }

    @Test
    void passes_the_environment_with_later_entries_winning() {
        GuestMessage.Result result = run(sh("echo $FOO $LANG; echo $HOME; echo $PATH"), "",
                List.of("FOO=first", "FOO=second", "LANG=en_US.UTF-8"), 5000, 1000);
        String[] lines = text(result.stdout()).split("\n");
        assertThat(lines[0]).isEqualTo("second en_US.UTF-8");
        assertThat(lines[1]).matches(".*/root/tmp/thaw/run-1");
        assertThat(lines[2]).isEqualTo("/usr/local/bin:/usr/bin:/bin");
    }

    @Test
    void writes_the_code_file_and_runs_each_program_in_a_fresh_directory() {
        HostMessage.Run script = new HostMessage.Run(false, false, 5000, 1000, "main.sh",
                "pwd; ls -A".getBytes(StandardCharsets.UTF_8), new byte[0], List.of("sh", "{file}"), List.of());
        assertThat(text(channel.run(script, Duration.ofSeconds(10)).stdout())).endsWith("/run-1\nmain.sh\n");
        assertThat(text(channel.run(script, Duration.ofSeconds(10)).stdout())).endsWith("/run-2\nmain.sh\n");
    }

    @Test
    void a_missing_program_exits_127_and_says_why() {
        GuestMessage.Result result = run(List.of("no-such-program"), "", List.of(), 5000, 1000);
        assertThat(result.exitCode()).isEqualTo(127);
        assertThat(text(result.stderr())).contains("cannot execute no-such-program");
    }

    @Test
    void a_file_put_into_the_guest_reads_back_and_programs_see_it() throws Exception {
        byte[] data = "col\n1\n".getBytes(StandardCharsets.UTF_8);

        channel.putFile(new HostMessage.PutFile("/data/in/table.csv", 0644, data), Duration.ofSeconds(5));

        assertThat(channel.getFile("/data/in/table.csv", Duration.ofSeconds(5))).isEqualTo(data);
        assertThat(dir.resolve("root/data/in/table.csv")).hasBinaryContent(data);
        GuestMessage.Result cat = run(List.of("cat", dir.resolve("root/data/in/table.csv").toString()), "", List.of(),
                5000, 1000);
        assertThat(text(cat.stdout())).isEqualTo("col\n1\n");
    }

    @Test
    void a_missing_file_a_directory_and_a_path_with_dot_dot_are_refused_with_the_reason() {
        assertThatThrownBy(() -> channel.getFile("/no/such/file", Duration.ofSeconds(5)))
                .isInstanceOf(AgentException.class).hasMessageContaining("No such file");
        assertThatThrownBy(() -> channel.getFile("/", Duration.ofSeconds(5)))
                .isInstanceOf(AgentException.class).hasMessageContaining("not a regular file");
        assertThatThrownBy(() -> channel.putFile(new HostMessage.PutFile("/a/../../etc/x", 0644, new byte[1]),
                Duration.ofSeconds(5))).isInstanceOf(AgentException.class).hasMessageContaining("without '..'");
    }

    @Test
    void seed_is_acknowledged_without_touching_the_hosts_clock() {
        channel.seed(new byte[64], Instant.EPOCH, Duration.ofSeconds(5));
        assertThat(Instant.now()).isAfter(Instant.parse("2020-01-01T00:00:00Z"));
    }

    private GuestMessage.Result run(List<String> argv, String stdin, List<String> env, int timeoutMs, int cap) {
        HostMessage.Run run = new HostMessage.Run(false, false, timeoutMs, cap, "main", new byte[0],
                stdin.getBytes(StandardCharsets.UTF_8), argv, env);
        return channel.run(run, Duration.ofMillis(timeoutMs + 10_000));
    }

    static List<String> sh(String script) {
        return List.of("/bin/sh", "-c", script);
    }

    static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
