package dev.thaw.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class AgentChannelTest {

    @TempDir
    Path dir;

    static final HostMessage.Run RUN = new HostMessage.Run(false, false, 1000, 100, "main.sh", new byte[0],
            new byte[0], List.of("/bin/true"), List.of());
    static final GuestMessage.Result RESULT = new GuestMessage.Result(0, 0, false, false, false, 5, "ok".getBytes(),
            new byte[0]);

    @Test
    void connect_waits_for_the_socket_to_appear() throws Exception {
        Path socket = dir.resolve("late.sock");
        CompletableFuture<AgentChannel> connecting = CompletableFuture.supplyAsync(
                () -> AgentChannel.connect(socket, Duration.ofSeconds(10)));
        Thread.sleep(300);
        try (FakeAgent agent = new FakeAgent(socket); AgentChannel channel = connecting.get(5, TimeUnit.SECONDS)) {
            agent.accept();
            assertThat(channel).isNotNull();
        }
    }

    @Test
    void connect_gives_up_at_its_deadline_naming_the_socket() {
        Path socket = dir.resolve("never.sock");
        assertThatThrownBy(() -> AgentChannel.connect(socket, Duration.ofMillis(200)))
                .isInstanceOfSatisfying(AgentException.class, e -> assertThat(e.code()).isEqualTo(AgentException.Code.CONNECT))
                .hasMessageContaining(socket.toString()).hasMessageContaining("200 ms");
    }

    @Test
    void handshake_skips_ready_frames_with_other_nonces() throws Exception {
        try (Pair p = pair()) {
            CompletableFuture<GuestMessage.Ready> ready = CompletableFuture.supplyAsync(
                    () -> p.channel.handshake(Duration.ofSeconds(5)));
            long nonce = ((HostMessage.Ping) p.agent.next()).nonce();
            p.agent.send(new GuestMessage.Ready(0, "boot", false, false));
            p.agent.send(new GuestMessage.Ready(nonce + 1, "stale", false, false));
            p.agent.send(new GuestMessage.Ready(nonce, "v1", true, false));
            assertThat(ready.get()).isEqualTo(new GuestMessage.Ready(nonce, "v1", true, false));
        }
    }

    @Test
    void handshake_pings_again_until_the_agent_answers() throws Exception {
        try (Pair p = pair()) {
            CompletableFuture<GuestMessage.Ready> ready = CompletableFuture.supplyAsync(
                    () -> p.channel.handshake(Duration.ofSeconds(5)));
            HostMessage.Ping first = (HostMessage.Ping) p.agent.next(); // a guest still booting misses it
            HostMessage.Ping second = (HostMessage.Ping) p.agent.next();
            assertThat(second.nonce()).isEqualTo(first.nonce());
            p.agent.send(new GuestMessage.Ready(second.nonce(), "v", false, false));
            assertThat(ready.get().agentVersion()).isEqualTo("v");
        }
    }

    @Test
    void handshake_times_out_saying_what_it_saw() throws Exception {
        try (Pair p = pair()) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> p.channel.handshake(Duration.ofMillis(700)))
                    .isInstanceOfSatisfying(AgentException.class, e -> assertThat(e.code()).isEqualTo(AgentException.Code.TIMEOUT))
                    .hasMessageContaining("expected READY").hasMessageContaining("2 PINGs");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
        }
    }

    @Test
    void await_resident_runner_pings_until_the_runner_is_no_longer_loading() throws Exception {
        try (Pair p = pair()) {
            CompletableFuture<GuestMessage.Ready> ready = CompletableFuture.supplyAsync(
                    () -> p.channel.awaitResidentRunner(Duration.ofSeconds(10)));
            long first = ((HostMessage.Ping) p.agent.next()).nonce();
            p.agent.send(new GuestMessage.Ready(first, "v", false, true));
            long second = ((HostMessage.Ping) p.agent.next()).nonce();
            p.agent.send(new GuestMessage.Ready(second, "v", true, false));
            assertThat(ready.get(5, TimeUnit.SECONDS)).isEqualTo(new GuestMessage.Ready(second, "v", true, false));
        }
    }

    @Test
    void await_resident_runner_returns_the_ready_of_a_runner_that_ended_while_loading() throws Exception {
        try (Pair p = pair()) {
            CompletableFuture<GuestMessage.Ready> ready = CompletableFuture.supplyAsync(
                    () -> p.channel.awaitResidentRunner(Duration.ofSeconds(10)));
            p.agent.send(new GuestMessage.Ready(((HostMessage.Ping) p.agent.next()).nonce(), "v", false, true));
            p.agent.send(new GuestMessage.Ready(((HostMessage.Ping) p.agent.next()).nonce(), "v", false, false));
            assertThat(ready.get(5, TimeUnit.SECONDS).residentRunner()).isFalse();
        }
    }

    @Test
    void await_resident_runner_gives_up_at_its_deadline_saying_the_runner_was_still_loading() throws Exception {
        try (Pair p = pair()) {
            CompletableFuture.runAsync(() -> answerEveryPingStillLoading(p.agent));
            assertThatThrownBy(() -> p.channel.awaitResidentRunner(Duration.ofMillis(400)))
                    .isInstanceOfSatisfying(AgentException.class,
                            e -> assertThat(e.code()).isEqualTo(AgentException.Code.TIMEOUT))
                    .hasMessageContaining("still loading after 400 ms");
        }
    }

    /** Until the channel closes. */
    private static void answerEveryPingStillLoading(FakeAgent agent) {
        try {
            while (true) {
                agent.send(new GuestMessage.Ready(((HostMessage.Ping) agent.next()).nonce(), "v", false, true));
            }
        } catch (java.io.IOException | RuntimeException e) {
            // the test is over
        }
    }

    @Test
    void seed_sends_entropy_and_time() throws Exception {
        try (Pair p = pair()) {
            byte[] entropy = new byte[64];
            Arrays.fill(entropy, (byte) 7);
            CompletableFuture<Void> seeded = CompletableFuture.runAsync(
                    () -> p.channel.seed(entropy, Instant.ofEpochSecond(10, 5), Duration.ofSeconds(5)));
            assertThat(p.agent.next()).isEqualTo(new HostMessage.Seed(entropy, 10_000_000_005L));
            p.agent.send(new GuestMessage.Seeded());
            seeded.get();
        }
    }

    @Test
    void run_returns_the_result_and_throws_on_failure() throws Exception {
        try (Pair p = pair()) {
            CompletableFuture<GuestMessage.Result> result = CompletableFuture.supplyAsync(
                    () -> p.channel.run(RUN, Duration.ofSeconds(5)));
            assertThat(p.agent.next()).isEqualTo(RUN);
            p.agent.send(RESULT);
            assertThat(result.get()).isEqualTo(RESULT);

            CompletableFuture<GuestMessage.Result> failed = CompletableFuture.supplyAsync(
                    () -> p.channel.run(RUN, Duration.ofSeconds(5)));
            p.agent.next();
            p.agent.send(new GuestMessage.Failure("no runner"));
            assertThat(failed).failsWithin(Duration.ofSeconds(5)).withThrowableThat()
                    .havingCause().isInstanceOfSatisfying(AgentException.class,
                            e -> assertThat(e.code()).isEqualTo(AgentException.Code.GUEST_FAILURE))
                    .withMessageContaining("could not do RUN: no runner");
        }
    }

    @Test
    void a_late_answer_is_skipped_by_the_next_call_even_if_it_came_in_pieces() throws Exception {
        try (Pair p = pair()) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> p.channel.run(RUN, Duration.ofMillis(300)))
                    .isInstanceOfSatisfying(AgentException.class, e -> assertThat(e.code()).isEqualTo(AgentException.Code.TIMEOUT))
                    .hasMessageContaining("answer to RUN within 300 ms");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
            p.agent.next();

            byte[] late = AgentCodec.encode(new GuestMessage.Result(1, 0, false, false, false, 1, new byte[0],
                    new byte[0]));
            p.agent.raw(Arrays.copyOf(late, 7)); // a deadline passes in the middle of this frame
            assertThatThrownBy(() -> p.channel.seed(new byte[32], Instant.now(), Duration.ofMillis(200)))
                    .hasMessageContaining("answer to SEED");
            p.agent.next();
            p.agent.raw(Arrays.copyOfRange(late, 7, late.length));
            p.agent.send(new GuestMessage.Seeded()); // the answer to the SEED that timed out

            CompletableFuture<GuestMessage.Result> result = CompletableFuture.supplyAsync(
                    () -> p.channel.run(RUN, Duration.ofSeconds(5)));
            p.agent.next();
            p.agent.send(RESULT);
            assertThat(result.get()).isEqualTo(RESULT);
        }
    }

    @Test
    void close_from_another_thread_ends_a_blocked_call() throws Exception {
        try (Pair p = pair()) {
            CompletableFuture<GuestMessage.Result> result = CompletableFuture.supplyAsync(
                    () -> p.channel.run(RUN, Duration.ofSeconds(60)));
            p.agent.next();
            p.channel.close();
            assertThat(result).failsWithin(Duration.ofSeconds(5)).withThrowableThat().havingCause()
                    .isInstanceOfSatisfying(AgentException.class,
                            e -> assertThat(e.code()).isEqualTo(AgentException.Code.CLOSED))
                    .withMessageContaining("closed by this host");
        }
    }

    @Test
    void the_agent_hanging_up_mid_frame_is_reported_as_closed() throws Exception {
        try (Pair p = pair()) {
            CompletableFuture<GuestMessage.Result> result = CompletableFuture.supplyAsync(
                    () -> p.channel.run(RUN, Duration.ofSeconds(10)));
            p.agent.next();
            p.agent.raw(Arrays.copyOf(AgentCodec.encode(RESULT), 12));
            p.agent.hangUp();
            assertThat(result).failsWithin(Duration.ofSeconds(5)).withThrowableThat().havingCause()
                    .isInstanceOfSatisfying(AgentException.class,
                            e -> assertThat(e.code()).isEqualTo(AgentException.Code.CLOSED))
                    .withMessageContaining("in the middle of a frame (12 of");
        }
    }

    @Test
    void a_wrong_answer_is_a_protocol_error_that_closes_the_channel() throws Exception {
        try (Pair p = pair()) {
            CompletableFuture<Void> seeded = CompletableFuture.runAsync(
                    () -> p.channel.seed(new byte[32], Instant.now(), Duration.ofSeconds(5)));
            p.agent.next();
            p.agent.send(RESULT);
            assertThat(seeded).failsWithin(Duration.ofSeconds(5)).withThrowableThat().havingCause()
                    .isInstanceOfSatisfying(AgentException.class,
                            e -> assertThat(e.code()).isEqualTo(AgentException.Code.PROTOCOL))
                    .withMessageContaining("expected SEEDED or FAILURE in answer to SEED, got Result[");
            assertThatThrownBy(() -> p.channel.run(RUN, Duration.ofSeconds(1))).isInstanceOfSatisfying(
                    AgentException.class, e -> assertThat(e.code()).isEqualTo(AgentException.Code.CLOSED));
        }
    }

    @Test
    void seed_and_run_sends_both_before_waiting() throws Exception {
        try (Pair p = pair()) {
            CompletableFuture<GuestMessage.Result> result = CompletableFuture.supplyAsync(
                    () -> p.channel.seedAndRun(new byte[32], Instant.now(), RUN, Duration.ofSeconds(5)));
            assertThat(p.agent.next()).isInstanceOf(HostMessage.Seed.class);
            assertThat(p.agent.next()).isEqualTo(RUN);
            p.agent.send(new GuestMessage.Seeded());
            p.agent.send(RESULT);
            assertThat(result.get()).isEqualTo(RESULT);
        }
    }

    /** A connected channel and the fake agent at the other end. */
    record Pair(FakeAgent agent, AgentChannel channel) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            channel.close();
            agent.close();
        }
    }

    private Pair pair() throws Exception {
        Path socket = Files.createTempFile(dir, "agent", ".sock");
        Files.delete(socket);
        FakeAgent agent = new FakeAgent(socket);
        AgentChannel channel = AgentChannel.connect(socket, Duration.ofSeconds(5));
        return new Pair(agent.accept(), channel);
    }
}
