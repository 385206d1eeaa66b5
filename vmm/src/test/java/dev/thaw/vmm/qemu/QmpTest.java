package dev.thaw.vmm.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.thaw.vmm.VmmException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QmpTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    private static void error(JsonNode command, FakeQmpServer.Reply reply) {
        reply.line("{\"error\": {\"class\": \"GenericError\", \"desc\": \"no such thing\"}, \"id\": " + command.get("id") + "}");
    }

    @Test
    void commands_get_their_return_value_matched_by_id() throws Exception {
        try (var server = new FakeQmpServer(dir.resolve("qmp.sock"),
                (command, reply) -> reply.line("{\"return\": {\"status\": \"running\"}, \"id\": " + command.get("id") + "}"));
                Qmp qmp = Qmp.connect(dir.resolve("qmp.sock"), TIMEOUT)) {

            JsonNode result = qmp.execute("query-status", null, TIMEOUT);

            assertThat(result.path("status").asText()).isEqualTo("running");
            assertThat(server.received()).extracting(c -> c.path("execute").asText())
                    .containsExactly("qmp_capabilities", "query-status");
        }
    }

    @Test
    void arguments_are_sent_as_json() throws Exception {
        try (var server = new FakeQmpServer(dir.resolve("qmp.sock"),
                (command, reply) -> reply.line("{\"return\": {}, \"id\": " + command.get("id") + "}"));
                Qmp qmp = Qmp.connect(dir.resolve("qmp.sock"), TIMEOUT)) {

            qmp.execute("migrate", Map.of("uri", "exec:cat > '/tmp/vmstate'"), TIMEOUT);

            assertThat(server.received().getLast().path("arguments").path("uri").asText())
                    .isEqualTo("exec:cat > '/tmp/vmstate'");
        }
    }

    @Test
    void qmp_fails_with_qemu_error_class_when_command_is_rejected() throws Exception {
        try (var server = new FakeQmpServer(dir.resolve("qmp.sock"), QmpTest::error);
                Qmp qmp = Qmp.connect(dir.resolve("qmp.sock"), TIMEOUT)) {

            assertThatThrownBy(() -> qmp.execute("nonsense", null, TIMEOUT))
                    .isInstanceOf(VmmException.class)
                    .hasMessage("QMP nonsense failed: GenericError: no such thing")
                    .satisfies(e -> assertThat(((VmmException) e).code()).isEqualTo(VmmException.Code.COMMAND_FAILED));
        }
    }

    @Test
    void events_before_the_reply_are_kept_for_a_later_wait() throws Exception {
        try (var server = new FakeQmpServer(dir.resolve("qmp.sock"), (command, reply) -> {
                    reply.line("{\"event\": \"MIGRATION\", \"data\": {\"status\": \"setup\"}}");
                    reply.line("{\"event\": \"MIGRATION\", \"data\": {\"status\": \"completed\"}}");
                    reply.line("{\"return\": {}, \"id\": " + command.get("id") + "}");
                });
                Qmp qmp = Qmp.connect(dir.resolve("qmp.sock"), TIMEOUT)) {

            qmp.execute("migrate", Map.of("uri", "exec:cat > /dev/null"), TIMEOUT);
            JsonNode event = qmp.awaitEvent("MIGRATION", data -> data.path("status").asText().equals("completed"), TIMEOUT);

            assertThat(event.path("data").path("status").asText()).isEqualTo("completed");
        }
    }

    @Test
    void a_command_without_reply_times_out() throws Exception {
        try (var server = new FakeQmpServer(dir.resolve("qmp.sock"), (command, reply) -> {});
                Qmp qmp = Qmp.connect(dir.resolve("qmp.sock"), TIMEOUT)) {

            assertThatThrownBy(() -> qmp.execute("stop", null, Duration.ofMillis(200)))
                    .isInstanceOf(VmmException.class)
                    .hasMessageContaining("no reply within 200 ms")
                    .satisfies(e -> assertThat(((VmmException) e).code()).isEqualTo(VmmException.Code.TIMEOUT));
        }
    }

    @Test
    void qemu_going_away_mid_command_fails_it_promptly() throws Exception {
        try (var server = new FakeQmpServer(dir.resolve("qmp.sock"), (command, reply) -> reply.hangUp());
                Qmp qmp = Qmp.connect(dir.resolve("qmp.sock"), TIMEOUT)) {

            long start = System.nanoTime();
            assertThatThrownBy(() -> qmp.execute("cont", null, Duration.ofSeconds(30)))
                    .isInstanceOf(VmmException.class)
                    .satisfies(e -> assertThat(((VmmException) e).code()).isEqualTo(VmmException.Code.EXITED));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void waiting_for_an_event_that_never_comes_times_out() throws Exception {
        try (var server = new FakeQmpServer(dir.resolve("qmp.sock"), (command, reply) -> {});
                Qmp qmp = Qmp.connect(dir.resolve("qmp.sock"), TIMEOUT)) {

            assertThatThrownBy(() -> qmp.awaitEvent("SHUTDOWN", data -> true, Duration.ofMillis(100)))
                    .hasMessageContaining("no QMP event SHUTDOWN within 100 ms");
        }
    }

    @Test
    void connecting_to_a_socket_nobody_creates_fails_after_the_deadline() {
        assertThatThrownBy(() -> Qmp.connect(dir.resolve("absent.sock"), Duration.ofMillis(100)))
                .isInstanceOf(VmmException.class)
                .hasMessageContaining("absent.sock");
    }

    @Test
    void connecting_stops_waiting_once_the_vmm_that_was_to_create_the_socket_is_gone() {
        long start = System.nanoTime();

        assertThatThrownBy(() -> Qmp.connect(dir.resolve("absent.sock"), Duration.ofSeconds(30), () -> false))
                .isInstanceOf(VmmException.class)
                .hasMessageContaining("exited");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }
}
