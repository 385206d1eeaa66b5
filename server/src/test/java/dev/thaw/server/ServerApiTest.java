package dev.thaw.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.thaw.sandbox.RuntimeOptions;
import dev.thaw.sandbox.ThawHome;
import dev.thaw.sandbox.ThawRuntime;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The HTTP API end to end on a random port, with real VMs restored from a python snapshot. */
class ServerApiTest {

    @TempDir
    static Path home;

    static ThawRuntime runtime;
    static ThawServer server;
    static Http http;

    @BeforeAll
    static void start() {
        runtime = new ThawRuntime(RuntimeOptions.defaults(new ThawHome(home, ThawHome.resolve(null).images())));
        runtime.createSnapshot("python", null, false);
        server = new ThawServer(runtime, options(null, 4, Duration.ofSeconds(60))).start();
        http = new Http(server.port(), null);
    }

    @AfterAll
    static void stop() {
        server.close();
        assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).count()).isZero();
    }

    static ServerOptions options(String token, int maxVms, Duration queueTimeout) {
        return new ServerOptions("127.0.0.1", 0, token, maxVms, queueTimeout, Duration.ofSeconds(5));
    }

    @Test
    void a_run_returns_the_programs_output_exit_code_and_timings() throws Exception {
        Http.Reply reply = http.post("/v1/run", """
                {"language": "python", "code": "import sys\\nprint(input().upper())\\nsys.exit(3)", "stdin": "hi"}""");

        JsonNode json = reply.json();
        assertThat(reply.status()).isEqualTo(200);
        assertThat(json.get("stdout").asText()).isEqualTo("HI\n");
        assertThat(json.get("exit_code").asInt()).isEqualTo(3);
        assertThat(json.get("timed_out").asBoolean()).isFalse();
        assertThat(json.get("mode").asText()).isEqualTo("restore");
        assertThat(json.get("timings").has("total")).isTrue();
    }

    @Test
    void files_sent_with_a_run_are_there_when_the_program_starts() throws Exception {
        Http.Reply reply = http.post("/v1/run", """
                {"language": "python", "code": "print(open('/tmp/input/words.txt').read().split())",
                 "files": [{"path": "/tmp/input/words.txt", "content": "alpha beta"}]}""");

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        assertThat(reply.json().get("stdout").asText()).isEqualTo("['alpha', 'beta']\n");
    }

    @Test
    void a_piston_client_gets_pistons_shape() throws Exception {
        Http.Reply reply = http.post("/api/v2/execute", """
                {"language": "py", "version": "*", "files": [{"name": "main.py", "content": "print(input()*2)"}],
                 "stdin": "ab", "args": [], "compile_timeout": 10000, "run_timeout": 3000}""");
        Http.Reply runtimes = http.get("/api/v2/runtimes");

        JsonNode run = reply.json().get("run");
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        assertThat(reply.json().get("language").asText()).isEqualTo("python");
        assertThat(run.get("stdout").asText()).isEqualTo("abab\n");
        assertThat(run.get("output").asText()).isEqualTo("abab\n");
        assertThat(run.get("code").asInt()).isZero();
        assertThat(run.get("signal").isNull()).isTrue();
        assertThat(runtimes.json().findValuesAsText("language")).contains("python", "sh");
    }

    @Test
    void a_piston_client_may_send_arguments_and_base64_source() throws Exception {
        String source = java.util.Base64.getEncoder().encodeToString(
                "import sys\nprint(sys.argv[1:])\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        Http.Reply reply = http.post("/api/v2/execute", "{\"language\": \"python\", \"version\": \"3\", \"files\": "
                + "[{\"content\": \"" + source + "\", \"encoding\": \"base64\"}], \"args\": [\"a b\", \"-c\", \"\"]}");
        Http.Reply shell = http.post("/api/v2/execute", """
                {"language": "sh", "version": "*", "files": [{"content": "echo $# \\"$1\\""}], "args": ["x y", "z"]}""");
        Http.Reply badHex = http.post("/api/v2/execute", """
                {"language": "sh", "version": "*", "files": [{"content": "zz", "encoding": "hex"}]}""");

        assertThat(reply.json().get("run").get("stdout").asText()).as(reply.body()).isEqualTo("['a b', '-c', '']\n");
        assertThat(shell.json().get("run").get("stdout").asText()).as(shell.body()).isEqualTo("2 x y\n");
        assertThat(badHex.status()).isEqualTo(400);
        assertThat(badHex.body()).contains("not valid hex");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "malformed JSON           | {\"language\": \"python\",                          | 400 | malformed JSON",
            "unknown field            | {\"language\": \"python\", \"code\": \"1\", \"timeout\": 5} | 400 | unknown field 'timeout'",
            "missing language         | {\"code\": \"print(1)\"}                            | 400 | 'language' is missing",
            "missing code             | {\"language\": \"python\"}                          | 400 | 'code' is missing",
            "unknown language         | {\"language\": \"klingon\", \"code\": \"x\"}           | 400 | klingon",
            "negative timeout         | {\"language\": \"python\", \"code\": \"1\", \"timeout_ms\": -5} | 400 | timeout_ms",
            "huge timeout             | {\"language\": \"python\", \"code\": \"1\", \"timeout_ms\": 99999999999} | 400 | timeout_ms",
            "wrong type               | {\"language\": \"python\", \"code\": [1]}           | 400 | 'code' has the wrong type",
            "file without path        | {\"language\": \"python\", \"code\": \"1\", \"files\": [{}]} | 400 | needs 'path' and 'content'",
            "file outside the root    | {\"language\": \"python\", \"code\": \"1\", \"files\": [{\"path\": \"../x\", \"content\": \"\"}]} | 400 | '..' segment",
            "empty body               |                                                     | 400 | no body"})
    void bad_input_gets_a_4xx_that_says_what_was_wrong(String name, String body, int status, String message)
            throws Exception {
        Http.Reply reply = http.post("/v1/run", body == null ? "" : body);

        assertThat(reply.status()).as(reply.body()).isEqualTo(status);
        assertThat(reply.json().at("/error/message").asText()).contains(message);
    }

    @Test
    void code_over_the_limit_is_refused_with_413() throws Exception {
        String code = "#".repeat(5 << 20);

        Http.Reply reply = http.post("/v1/run", "{\"language\": \"python\", \"code\": \"" + code + "\"}");

        assertThat(reply.status()).isEqualTo(413);
        assertThat(reply.json().at("/error/message").asText()).contains("'code' is 5242880 bytes");
    }

    @Test
    void an_unknown_route_is_a_json_404() throws Exception {
        Http.Reply reply = http.get("/v1/nothing-here");

        assertThat(reply.status()).isEqualTo(404);
        assertThat(reply.json().at("/error/message").asText()).contains("/openapi.json");
    }

    @Test
    void a_token_is_required_everywhere_but_healthz() throws Exception {
        try (ThawServer guarded = new ThawServer(runtime, options("s3cret", 1, Duration.ofSeconds(5))).start()) {
            Http anonymous = new Http(guarded.port(), null);
            Http wrong = new Http(guarded.port(), "guess");
            Http holder = new Http(guarded.port(), "s3cret");

            assertThat(anonymous.get("/healthz").status()).isEqualTo(200);
            assertThat(anonymous.get("/v1/languages").status()).isEqualTo(401);
            assertThat(anonymous.post("/v1/run", "{}").status()).isEqualTo(401);
            assertThat(wrong.get("/metrics").status()).isEqualTo(401);
            assertThat(holder.get("/v1/languages").status()).isEqualTo(200);
        }
    }

    @Test
    void a_server_on_a_public_address_without_a_token_refuses_to_start() {
        ServerOptions open = new ServerOptions("0.0.0.0", 0, null, 1, Duration.ofSeconds(1), Duration.ofSeconds(1));

        assertThatThrownBy(() -> new ThawServer(runtime, open))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--token");
    }

    @Test
    void beyond_max_vms_a_request_waits_then_gets_503_with_retry_after() throws Exception {
        try (ThawServer narrow = new ThawServer(runtime, options(null, 1, Duration.ofMillis(500))).start();
                var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            Http client = new Http(narrow.port(), null);
            Future<Http.Reply> slow = executor.submit(() -> client.post("/v1/run",
                    "{\"language\": \"python\", \"code\": \"import time\\ntime.sleep(4)\"}"));
            Thread.sleep(1000);

            Http.Reply refused = client.post("/v1/run", "{\"language\": \"python\", \"code\": \"print(1)\"}");

            assertThat(refused.status()).isEqualTo(503);
            assertThat(refused.raw().headers().firstValue("Retry-After")).isPresent();
            assertThat(slow.get().status()).isEqualTo(200);
        }
    }

    @Test
    void fifty_concurrent_runs_all_complete_correctly() throws Exception {
        List<Future<Http.Reply>> replies = new ArrayList<>();
        try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 50; i++) {
                String body = "{\"language\": \"python\", \"code\": \"print(" + i + " * 2)\"}";
                replies.add(executor.submit(() -> http.post("/v1/run", body)));
            }
        }
        for (int i = 0; i < 50; i++) {
            Http.Reply reply = replies.get(i).get();
            assertThat(reply.status()).as(reply.body()).isEqualTo(200);
            assertThat(reply.json().get("stdout").asText()).isEqualTo(i * 2 + "\n");
        }
    }

    @Test
    void metrics_count_requests_and_runs_by_mode() throws Exception {
        http.post("/v1/run", "{\"language\": \"python\", \"code\": \"print(1)\"}");

        String metrics = http.get("/metrics").body();

        assertThat(metrics).contains("thaw_requests_total{route=\"/v1/run\",status=\"200\"}",
                "thaw_run_seconds_count{mode=\"restore\"}", "thaw_vms_max 4", "thaw_store_bytes");
    }

    @Test
    void the_openapi_document_lists_exactly_the_routes_the_server_has() throws Exception {
        JsonNode paths = new ObjectMapper().readTree(http.get("/openapi.json").body()).get("paths");
        Set<String> documented = new HashSet<>();
        paths.properties().forEach(path -> path.getValue().properties()
                .forEach(op -> documented.add(op.getKey().toUpperCase() + " " + path.getKey())));

        Set<String> served = new HashSet<>();
        for (ThawServer.Route route : server.routes()) {
            served.add(route.method().name() + " " + route.path().replace("<path>", "{path}"));
            String path = route.path().replace("{id}", "no-such-sandbox").replace("<path>", "tmp/x")
                    .replace("{language}", "python");
            Http.Reply reply = switch (route.method().name()) {
                case "GET" -> http.get(path);
                case "DELETE" -> http.delete(path);
                case "PUT" -> http.put(path, new byte[0]);
                default -> http.post(path, "{}");
            };
            if (reply.status() == 404) { // only a path parameter naming nothing may answer 404
                assertThat(reply.body()).as(path).contains("no sandbox 'no-such-sandbox'");
            }
        }
        assertThat(documented).isEqualTo(served);
    }

    @Test
    void languages_and_snapshots_are_listed() throws Exception {
        JsonNode languages = http.get("/v1/languages").json();
        JsonNode snapshots = http.get("/v1/snapshots").json();

        assertThat(languages.findValuesAsText("id")).contains("python", "sh");
        assertThat(snapshots.findValuesAsText("id")).contains("python");
        assertThat(snapshots.get(0).get("allocated_bytes").asLong()).isPositive();
    }
}
