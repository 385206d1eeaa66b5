package dev.thaw.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.thaw.sandbox.RunRequest;
import dev.thaw.sandbox.RunResult;
import dev.thaw.sandbox.ThawRuntime;
import dev.thaw.server.MemoryInfo;
import dev.thaw.server.ServerOptions;
import dev.thaw.server.ThawServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * {@code thaw serve} under load, in one run: {@code POST /v1/run} latency served from a warm
 * pool, from a fresh restore, and (through the runtime, as the API has no cold mode) from a
 * cold boot; throughput with concurrent clients; and what an idle sandbox costs in memory
 * (PSS of its QEMU process). Two in-process servers share one runtime: one with a pool of
 * one sandbox, one without.
 */
public final class ServeBenchmark {

    private final ThawRuntime runtime;
    private final Consumer<String> log;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    public ServeBenchmark(ThawRuntime runtime, Consumer<String> log) {
        this.runtime = runtime;
        this.log = log;
    }

    /** Sandboxes with network started at once, where namespace setup would queue. */
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final int CONCURRENT_STARTS = 8;
    /** Namespaces the network pool of the pooled server keeps ready: one per concurrent start. */
    private static final int NET_POOL = CONCURRENT_STARTS;

    public record Load(int clients, int requests, double seconds, double requestsPerSecond, LatencyStats latency) {}

    /** @param stoppedBy why fewer than asked were held, or null when all were */
    public record Memory(int asked, int sandboxes, double pssMibMean, double pssMibMax, long availableMib,
            String stoppedBy) {}

    /**
     * Starting a sandbox with network ({@code POST /v1/sandboxes} with {@code network: true}),
     * with a namespace waiting in the network pool and with one made on demand, one at a time
     * and {@value #CONCURRENT_STARTS} at once.
     */
    public record Network(LatencyStats fromNetPool, LatencyStats madeOnDemand, LatencyStats withoutNetwork,
            LatencyStats concurrentFromNetPool, LatencyStats concurrentOnDemand) {}

    public record Report(String language, String program, LatencyStats pooled, LatencyStats restored,
            LatencyStats cold, double coldOverPooled, double coldOverRestored, Load load, Network network,
            Memory idle) {}

    public Report run(String language, String program, int runs, int coldRuns, int clients, int requests,
            int idleSandboxes) throws Exception {
        runtime.languageSnapshot(language);
        int maxVms = Math.max(clients, idleSandboxes) + 2;
        try (ThawServer pooled = server(maxVms, Map.of(language, 1));
                ThawServer plain = server(maxVms, Map.of())) {
            String body = "{\"language\": \"" + language + "\", \"code\": " + quote(program) + "}";
            // A server's first requests pay for compiling its HTTP and JSON paths; one that has
            // been running has paid. Not measured: what a long-running server answers with.
            post(plain, "/v1/run", body);
            post(plain, "/v1/run", body);
            LatencyStats fromPool = sample("pooled", runs, () -> {
                awaitPool(pooled, language);
                return post(pooled, "/v1/run", body);
            });
            LatencyStats restored = sample("restored", runs, () -> post(plain, "/v1/run", body));
            LatencyStats cold = sample("cold", coldRuns, () -> coldRun(language, program));
            Load load = load(plain, body, clients, requests);
            Network network = network(plain, language, runs);
            Memory idle = idle(plain, language, idleSandboxes);
            return new Report(language, program, fromPool, restored, cold, cold.p50Ms() / fromPool.p50Ms(),
                    cold.p50Ms() / restored.p50Ms(), load, network, idle);
        }
    }

    private ThawServer server(int maxVms, Map<String, Integer> pools) {
        ServerOptions options = new ServerOptions("127.0.0.1", 0, null, maxVms, Duration.ofMinutes(5),
                Duration.ofSeconds(30)).withPools(pools, ServerOptions.DEFAULT_IDLE_TIMEOUT);
        return new ThawServer(runtime, options).start();
    }

    private interface Timed {
        double run() throws Exception;
    }

    private LatencyStats sample(String mode, int runs, Timed timed) throws Exception {
        List<Double> samples = new ArrayList<>();
        for (int i = 1; i <= runs; i++) {
            samples.add(timed.run());
            log.accept(String.format("%s %d/%d: %.1f ms", mode, i, runs, samples.getLast()));
        }
        return LatencyStats.of(samples);
    }

    private double coldRun(String language, String program) {
        RunRequest cold = RunRequest.of(language, program).withCold(true);
        long start = System.nanoTime();
        RunResult result = runtime.run(cold);
        double ms = (System.nanoTime() - start) / 1e6;
        StartupBenchmark.check(result, "cold");
        return ms;
    }

    private Load load(ThawServer server, String body, int clients, int requests) throws Exception {
        log.accept(requests + " requests from " + clients + " concurrent clients");
        List<Future<Double>> latencies = new ArrayList<>();
        long start = System.nanoTime();
        try (ExecutorService pool = Executors.newFixedThreadPool(clients, Thread.ofVirtual().factory())) {
            for (int i = 0; i < requests; i++) {
                latencies.add(pool.submit(() -> post(server, "/v1/run", body)));
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        List<Double> samples = new ArrayList<>();
        for (Future<Double> latency : latencies) {
            samples.add(latency.get());
        }
        return new Load(clients, requests, seconds, requests / seconds, LatencyStats.of(samples));
    }

    /** Milliseconds from asking for a sandbox to having it; the sandbox is then deleted. */
    private double startAndStop(ThawServer server, String language, boolean network) throws Exception {
        long start = System.nanoTime();
        String id = startSandbox(server, language, network);
        double ms = (System.nanoTime() - start) / 1e6;
        send(server, HttpRequest.newBuilder(uri(server, "/v1/sandboxes/" + id)).DELETE(), 204);
        return ms;
    }

    /**
     * Sandboxes with and without network, the namespaces waiting in the runtime's network pool
     * (what {@code --net-pool-size} sets) or made on demand (a pool of 0).
     */
    private Network network(ThawServer server, String language, int runs) throws Exception {
        LatencyStats none = sample("no network", runs, () -> startAndStop(server, language, false));
        runtime.networks().resize(0);
        LatencyStats onDemand = sample("network, namespace made on demand", runs,
                () -> startAndStop(server, language, true));
        LatencyStats concurrentOnDemand = concurrentStarts(server, language);
        runtime.networks().resize(NET_POOL);
        LatencyStats fromPool = sample("network, namespace from the pool", runs, () -> {
            awaitNetPool();
            return startAndStop(server, language, true);
        });
        awaitNetPool();
        LatencyStats concurrentFromPool = concurrentStarts(server, language);
        runtime.networks().resize(0);
        return new Network(fromPool, onDemand, none, concurrentFromPool, concurrentOnDemand);
    }

    /** {@value #CONCURRENT_STARTS} sandboxes with network asked for at once; the latency of each. */
    private LatencyStats concurrentStarts(ThawServer server, String language) throws Exception {
        log.accept(CONCURRENT_STARTS + " sandboxes with network at once");
        List<Future<Double>> starts = new ArrayList<>();
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < CONCURRENT_STARTS; i++) {
                starts.add(clients.submit(() -> startAndStop(server, language, true)));
            }
        }
        List<Double> samples = new ArrayList<>();
        for (Future<Double> start : starts) {
            samples.add(start.get());
        }
        return LatencyStats.of(samples);
    }

    /** Waits until the network pool is full again, so each sample finds a namespace ready. */
    private void awaitNetPool() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (runtime.networks().ready() < runtime.networks().size() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
    }

    private String startSandbox(ThawServer server, String language, boolean network) throws Exception {
        String reply = send(server, HttpRequest.newBuilder(uri(server, "/v1/sandboxes")).POST(
                HttpRequest.BodyPublishers.ofString("{\"language\": \"" + language + "\", \"network\": " + network
                        + "}")), 201);
        return reply.replaceAll(".*\"id\"\\s*:\\s*\"([^\"]+)\".*", "$1");
    }

    /**
     * Starts up to {@code count} sandboxes that sit idle, reads each one's QEMU PSS, and stops
     * them. The first one refused ends the filling: how many this host holds.
     */
    private Memory idle(ThawServer server, String language, int count) throws Exception {
        log.accept("holding up to " + count + " idle sandboxes");
        List<String> ids = new ArrayList<>();
        String stoppedBy = null;
        for (int i = 0; i < count && stoppedBy == null; i++) {
            try {
                ids.add(startSandbox(server, language, false));
                if (ids.size() % 50 == 0) {
                    log.accept(ids.size() + " idle sandboxes, " + MemoryInfo.availableMiB() + " MiB available");
                }
            } catch (IllegalStateException refused) {
                stoppedBy = refused.getMessage();
            }
        }
        List<Long> pss = qemuProcesses().stream().map(ServeBenchmark::pssKib).filter(k -> k > 0).toList();
        long availableMib = MemoryInfo.availableMiB();
        for (String id : ids) {
            send(server, HttpRequest.newBuilder(uri(server, "/v1/sandboxes/" + id)).DELETE(), 204);
        }
        double mean = pss.stream().mapToLong(Long::longValue).average().orElse(0) / 1024;
        double max = pss.stream().mapToLong(Long::longValue).max().orElse(0) / 1024.0;
        return new Memory(count, ids.size(), mean, max, availableMib, stoppedBy);
    }

    private void awaitPool(ThawServer server, String language) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (server.poolReady(language) == 0) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the " + language + " pool did not refill within 2 minutes");
            }
            Thread.sleep(20);
        }
    }

    private double post(ThawServer server, String path, String body) throws Exception {
        long start = System.nanoTime();
        String reply = send(server, HttpRequest.newBuilder(uri(server, path))
                .POST(HttpRequest.BodyPublishers.ofString(body)), 200);
        double ms = (System.nanoTime() - start) / 1e6;
        requireSuccess(reply);
        return ms;
    }

    /**
     * A program that fails (a compile error, a typo in --code) answers quickly and would pass
     * for a fast run: a sample counts only when the program exited with status 0.
     */
    static void requireSuccess(String runReply) throws IOException {
        JsonNode run = JSON.readTree(runReply);
        if (run.path("exit_code").asInt(-1) != 0 || run.path("timed_out").asBoolean()) {
            throw new IllegalStateException("the program did not succeed (exit code " + run.path("exit_code")
                    + (run.path("timed_out").asBoolean() ? ", timed out" : "") + "), so its times would mean "
                    + "nothing; its stderr: " + run.path("stderr").asText());
        }
    }

    private String send(ThawServer server, HttpRequest.Builder request, int expected) throws Exception {
        HttpResponse<String> response = client.send(request.header("Content-Type", "application/json")
                .timeout(Duration.ofMinutes(5)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != expected) {
            throw new IllegalStateException(request.build().uri() + " answered " + response.statusCode() + ": "
                    + response.body());
        }
        return response.body();
    }

    private static URI uri(ThawServer server, String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    private static List<ProcessHandle> qemuProcesses() {
        return ProcessHandle.current().descendants()
                .filter(p -> p.info().command().orElse("").contains("qemu-system")).toList();
    }

    /** Proportional set size: shared pages (the snapshot's memory file) split among their mappers. */
    private static long pssKib(ProcessHandle process) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "smaps_rollup"))) {
                if (line.startsWith("Pss:")) {
                    return Long.parseLong(line.replaceAll("\\D+", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // the process ended meanwhile
        }
        return 0;
    }

    private static String quote(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }
}
