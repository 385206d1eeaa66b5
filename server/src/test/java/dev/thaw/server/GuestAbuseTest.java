package dev.thaw.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.thaw.sandbox.RuntimeOptions;
import dev.thaw.sandbox.ThawHome;
import dev.thaw.sandbox.ThawRuntime;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile programs through the API stay inside their guest: each gets an answer, and the
 * next ordinary request is served as usual. Real VMs.
 */
class GuestAbuseTest {

    @TempDir
    static Path home;

    static ThawServer server;
    static Http http;

    @BeforeAll
    static void start() {
        ThawRuntime runtime = new ThawRuntime(RuntimeOptions.defaults(
                new ThawHome(home, ThawHome.resolve(null).images())));
        runtime.createSnapshot("python", null, false);
        server = new ThawServer(runtime, new ServerOptions("127.0.0.1", 0, null, 2, Duration.ofSeconds(60),
                Duration.ofSeconds(5))).start();
        http = new Http(server.port(), null);
    }

    @AfterAll
    static void stop() {
        server.close();
        assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).count()).isZero();
    }

    @AfterEach
    void theNextRequestIsServedAsUsual() throws Exception {
        JsonNode ordinary = run("print('fine')", 10_000);
        assertThat(ordinary.get("stdout").asText()).isEqualTo("fine\n");
    }

    private static JsonNode run(String code, int timeoutMs) throws Exception {
        String body = "{\"language\": \"python\", \"timeout_ms\": " + timeoutMs + ", \"code\": "
                + new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(code) + "}";
        Http.Reply reply = http.post("/v1/run", body);
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        return reply.json();
    }

    @Test
    void an_infinite_loop_hits_its_timeout() throws Exception {
        JsonNode result = run("while True: pass", 2000);

        assertThat(result.get("timed_out").asBoolean()).isTrue();
    }

    @Test
    void a_fork_bomb_is_stopped_at_its_timeout() throws Exception {
        JsonNode result = run("import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass", 3000);

        assertThat(result.get("timed_out").asBoolean()).isTrue();
    }

    @Test
    void a_memory_hog_fails_inside_its_guest() throws Exception {
        JsonNode result = run("chunks = []\nwhile True:\n    chunks.append(bytearray(16 << 20))", 30_000);

        assertThat(result.get("exit_code").asInt()).isNotZero();
    }

    @Test
    void an_output_flood_is_truncated() throws Exception {
        JsonNode result = run("import sys\nwhile True:\n    sys.stdout.write('x' * 65536)", 3000);

        assertThat(result.get("truncated").asBoolean()).isTrue();
        assertThat(result.get("stdout").asText().length()).isLessThanOrEqualTo(1 << 20);
    }
}
