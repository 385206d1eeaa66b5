package dev.thaw.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.thaw.sandbox.RuntimeOptions;
import dev.thaw.sandbox.ThawHome;
import dev.thaw.sandbox.ThawRuntime;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sandboxes that live across requests, their diff snapshots, expiry, and the warm pool; real VMs. */
class SandboxLifecycleTest {

    @TempDir
    static Path home;

    static ThawRuntime runtime;

    @BeforeAll
    static void snapshot() {
        runtime = new ThawRuntime(RuntimeOptions.defaults(new ThawHome(home, ThawHome.resolve(null).images())));
        runtime.createSnapshot("python", null, false);
    }

    @AfterAll
    static void noVmLeft() {
        assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).count()).isZero();
    }

    private static ThawServer server(Map<String, Integer> pools, Duration idle) {
        ServerOptions options = new ServerOptions("127.0.0.1", 0, null, 4, Duration.ofSeconds(60),
                Duration.ofSeconds(5)).withPools(pools, idle);
        return new ThawServer(runtime, options).start();
    }

    @Test
    void a_sandbox_keeps_its_files_across_execs_and_its_snapshot_restores_them() throws Exception {
        try (ThawServer server = server(Map.of(), Duration.ofMinutes(5))) {
            Http http = new Http(server.port(), null);
            String id = http.post("/v1/sandboxes", "{\"language\": \"python\"}").json().get("id").asText();

            http.post("/v1/sandboxes/" + id + "/exec", "{\"code\": \"open('/tmp/kept', 'w').write('state')\"}");
            JsonNode read = http.post("/v1/sandboxes/" + id + "/exec",
                    "{\"code\": \"print(open('/tmp/kept').read())\"}").json();
            Http.Reply saved = http.post("/v1/sandboxes/" + id + "/snapshot", "{\"id\": \"kept\"}");
            JsonNode after = http.post("/v1/sandboxes/" + id + "/exec", "{\"code\": \"print('still here')\"}").json();
            String restored = http.post("/v1/sandboxes", "{\"language\": \"python\", \"snapshot\": \"kept\"}")
                    .json().get("id").asText();
            JsonNode fromSnapshot = http.post("/v1/sandboxes/" + restored + "/exec",
                    "{\"code\": \"print(open('/tmp/kept').read())\"}").json();

            assertThat(read.get("stdout").asText()).isEqualTo("state\n");
            assertThat(saved.status()).as(saved.body()).isEqualTo(201);
            assertThat(saved.json().get("parent").asText()).isEqualTo("python");
            assertThat(after.get("stdout").asText()).isEqualTo("still here\n");
            assertThat(fromSnapshot.get("stdout").asText()).isEqualTo("state\n");
            assertThat(http.delete("/v1/sandboxes/" + id).status()).isEqualTo(204);
            assertThat(http.post("/v1/sandboxes/" + id + "/exec", "{\"code\": \"1\"}").status()).isEqualTo(404);
            assertThat(http.delete("/v1/sandboxes/" + restored).status()).isEqualTo(204);
        }
    }

    @Test
    void files_put_into_a_sandbox_are_read_by_its_programs_and_read_back() throws Exception {
        try (ThawServer server = server(Map.of(), Duration.ofMinutes(5))) {
            Http http = new Http(server.port(), null);
            String id = http.post("/v1/sandboxes", "{\"language\": \"python\"}").json().get("id").asText();
            String files = "/v1/sandboxes/" + id + "/files/";

            Http.Reply put = http.put(files + "tmp/in/data.csv", "a,b\n1,2\n".getBytes());
            JsonNode run = http.post("/v1/sandboxes/" + id + "/exec", "{\"code\": \"rows = open('/tmp/in/data.csv')"
                    + ".read().split()\\nopen('/tmp/out.txt', 'w').write(str(len(rows)))\"}").json();
            Http.Reply got = http.get(files + "tmp/out.txt");
            Http.Reply missing = http.get(files + "tmp/nothing.txt");
            Http.Reply outside = http.put(files + "etc/passwd", "x".getBytes());
            Http.Reply dotDot = http.get(files + "tmp/in/%2E%2E/%2E%2E/etc/shadow");

            assertThat(put.status()).as(put.body()).isEqualTo(204);
            assertThat(run.get("exit_code").asInt()).as(run.toString()).isZero();
            assertThat(got.status()).isEqualTo(200);
            assertThat(got.body()).isEqualTo("2");
            assertThat(missing.status()).isEqualTo(404);
            assertThat(outside.status()).as("the sandbox user cannot write /etc").isEqualTo(400);
            assertThat(outside.json().at("/error/message").asText()).contains("Permission denied");
            assertThat(dotDot.status()).isEqualTo(400);
            assertThat(http.delete("/v1/sandboxes/" + id).status()).isEqualTo(204);
        }
    }

    @Test
    void an_idle_sandbox_expires_and_frees_its_vm() throws Exception {
        try (ThawServer server = server(Map.of(), Duration.ofSeconds(1))) {
            Http http = new Http(server.port(), null);
            String id = http.post("/v1/sandboxes", "{\"language\": \"python\"}").json().get("id").asText();

            Thread.sleep(3000);

            assertThat(http.post("/v1/sandboxes/" + id + "/exec", "{\"code\": \"1\"}").status()).isEqualTo(404);
            assertThat(http.get("/metrics").body()).contains("thaw_sandboxes_live 0", "thaw_vms_live 0");
        }
    }

    @Test
    void a_run_takes_a_warm_sandbox_from_the_pool_and_the_pool_refills() throws Exception {
        try (ThawServer server = server(Map.of("python", 1), Duration.ofMinutes(5))) {
            Http http = new Http(server.port(), null);
            awaitPoolReady(http);

            JsonNode pooled = http.post("/v1/run", "{\"language\": \"python\", \"code\": \"print(7)\"}").json();
            awaitPoolReady(http);
            JsonNode again = http.post("/v1/run", "{\"language\": \"python\", \"code\": \"print(8)\"}").json();

            assertThat(pooled.get("mode").asText()).isEqualTo("pooled");
            assertThat(pooled.get("stdout").asText()).isEqualTo("7\n");
            assertThat(again.get("mode").asText()).isEqualTo("pooled");
            assertThat(again.get("stdout").asText()).isEqualTo("8\n");
        }
    }

    @Test
    void pool_sizes_change_at_runtime_within_the_vm_bound() throws Exception {
        try (ThawServer server = server(Map.of(), Duration.ofMinutes(5))) {
            Http http = new Http(server.port(), null);

            Http.Reply grown = http.put("/v1/pools/python", "{\"size\": 1}".getBytes());
            awaitPoolReady(http);
            JsonNode pooled = http.post("/v1/run", "{\"language\": \"python\", \"code\": \"print(1)\"}").json();
            Http.Reply stopped = http.put("/v1/pools/python", "{\"size\": 0}".getBytes());
            Http.Reply tooBig = http.put("/v1/pools/python", "{\"size\": 4}".getBytes());

            assertThat(grown.status()).as(grown.body()).isEqualTo(200);
            assertThat(pooled.get("mode").asText()).isEqualTo("pooled");
            assertThat(stopped.json().at("/python/size").asInt()).isZero();
            assertThat(tooBig.status()).isEqualTo(400);
            assertThat(tooBig.json().at("/error/message").asText()).contains("--max-vms");
            Thread.sleep(1500);
            assertThat(http.get("/v1/pools").json().at("/python/ready").asInt()).isZero();
        }
    }

    private static void awaitPoolReady(Http http) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!http.get("/metrics").body().contains("thaw_pool_ready{language=\"python\"} 1")) {
            assertThat(System.nanoTime()).as("the pool filled").isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    @Test
    void a_sandbox_with_network_serves_the_host_from_its_address_and_one_without_has_none() throws Exception {
        try (ThawServer server = new ThawServer(runtime, new ServerOptions("127.0.0.1", 0, null, 4,
                Duration.ofSeconds(60), Duration.ofSeconds(5)).withNetPool(1)).start();
                var programs = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            Http http = new Http(server.port(), null);
            JsonNode networked = http.post("/v1/sandboxes", "{\"language\": \"python\", \"network\": true}").json();
            JsonNode plain = http.post("/v1/sandboxes", "{\"language\": \"python\"}").json();
            String id = networked.get("id").asText();
            String address = networked.get("network").get("address").asText();

            var serving = programs.submit(() -> http.post("/v1/sandboxes/" + id + "/exec", "{\"code\": \""
                    + "import socket\\ns = socket.create_server(('0.0.0.0', 8000))\\nc, _ = s.accept()\\n"
                    + "c.sendall(b'served')\\nc.close()\", \"timeout_ms\": 30000}"));
            String answer = answerFrom(address, 8000);

            assertThat(answer).isEqualTo("served");
            assertThat(serving.get().json().get("exit_code").asInt()).isZero();
            assertThat(plain.has("network")).isFalse();
            assertThat(http.get("/metrics").body()).contains("thaw_net_pool_size 1");
            http.delete("/v1/sandboxes/" + id);
            http.delete("/v1/sandboxes/" + plain.get("id").asText());
        }
    }

    /** Connects once the guest's program listens (it starts a moment after the request). */
    private static String answerFrom(String address, int port) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try (java.net.Socket socket = new java.net.Socket()) {
                socket.connect(new java.net.InetSocketAddress(address, port), 2000);
                socket.setSoTimeout(10_000);
                return new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            } catch (java.io.IOException notYet) {
                if (System.nanoTime() > deadline) {
                    throw notYet;
                }
                Thread.sleep(100);
            }
        }
    }
}
