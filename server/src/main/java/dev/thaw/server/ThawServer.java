package dev.thaw.server;

import dev.thaw.sandbox.Language;
import dev.thaw.sandbox.RunRequest;
import dev.thaw.sandbox.RunResult;
import dev.thaw.sandbox.Sandbox;
import dev.thaw.sandbox.SandboxException;
import dev.thaw.sandbox.ThawRuntime;
import dev.thaw.snapshot.Snapshot;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import org.eclipse.jetty.server.handler.GracefulHandler;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code thaw serve}: Thaw's HTTP API and Piston's, over the same {@link ThawRuntime} that
 * {@code thaw run} uses. Handlers are thin: parse, admit, call the runtime, answer.
 */
public final class ThawServer implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(ThawServer.class.getName());
    /** Code and stdin limits plus JSON overhead; a larger body is refused before it is read. */
    private static final long MAX_BODY_BYTES = RunRequest.MAX_STDIN_BYTES + RunRequest.MAX_CODE_BYTES + (1 << 20);

    private static final String ROUTE = "thaw.route";
    /** What the guest agent reads or writes in one message. */
    private static final int MAX_FILE_BYTES = 16 << 20;
    private static final String ANSWERED = "thaw.answered";

    private final ThawRuntime runtime;
    private final ServerOptions options;
    private final VmSlots slots;
    private final Metrics metrics = new Metrics();
    private final AtomicBoolean draining = new AtomicBoolean();
    private final SandboxRegistry sandboxes;
    private final Map<String, WarmPool> pools = new java.util.concurrent.ConcurrentHashMap<>();
    private final Javalin app;

    /** One route of the API; the list of them is also what {@code /openapi.json} documents. */
    record Route(HandlerType method, String path, Handler handler) {}

    public ThawServer(ThawRuntime runtime, ServerOptions options) {
        options.checkExposure();
        this.runtime = runtime;
        this.options = options;
        this.slots = new VmSlots(options.maxVms(), options.queueTimeout());
        metrics.gauge("thaw_vms_live", slots::inUse);
        metrics.gauge("thaw_vms_max", slots::capacity);
        metrics.gauge("thaw_requests_waiting", slots::waiting);
        metrics.gauge("thaw_store_bytes", this::storeBytes);
        this.sandboxes = new SandboxRegistry(options.idleTimeout(), java.time.InstantSource.system());
        metrics.gauge("thaw_sandboxes_live", sandboxes::size);
        this.app = Javalin.create(config -> {
            config.jetty.host = options.host();
            config.jetty.port = options.port();
            config.concurrency.useVirtualThreads = true;
            config.startup.showJavalinBanner = false;
            config.http.maxRequestSize = MAX_BODY_BYTES;
            config.jetty.modifyServer(server -> {
                // Stopping waits for requests in flight, responses included, up to the drain timeout.
                server.setHandler(new GracefulHandler());
                server.setStopTimeout(options.drainTimeout().toMillis());
            });
            config.routes.before(this::admit);
            for (Route route : routes()) {
                Handler named = ctx -> {
                    ctx.attribute(ROUTE, route.path()); // for metrics: the after-handler sees its own path
                    route.handler().handle(ctx);
                };
                config.routes.addEndpoint(new io.javalin.router.Endpoint(route.method(), route.path(), named,
                        java.util.Set.of()));
            }
            config.routes.after(ctx -> metrics.request(routeOf(ctx), ctx.statusCode()));
            config.routes.exception(ApiException.class, (e, ctx) -> answer(ctx, ErrorResponses.of(e)));
            config.routes.exception(SandboxException.class, (e, ctx) -> answer(ctx, ErrorResponses.of(e)));
            config.routes.exception(Exception.class, (e, ctx) -> {
                LOG.log(System.Logger.Level.ERROR, "request " + ctx.method() + " " + ctx.path() + " failed", e);
                answer(ctx, ErrorResponses.internal(e));
            });
            config.routes.error(404, ctx -> {
                if (ctx.attribute(ANSWERED) == null) {
                    answer(ctx, ErrorResponses.of(new ApiException(404, "not_found", "no route "
                            + ctx.method() + " " + ctx.path() + "; the API is described at GET /openapi.json")));
                }
            });
        });
    }

    List<Route> routes() {
        return List.of(
                new Route(HandlerType.GET, "/healthz", ctx -> json(ctx, 200,
                        Map.of("status", draining.get() ? "draining" : "ok"))),
                new Route(HandlerType.GET, "/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4")
                        .result(metrics.render())),
                new Route(HandlerType.GET, "/openapi.json", ctx -> ctx.contentType("application/json")
                        .result(openApi())),
                new Route(HandlerType.POST, "/v1/run", this::run),
                new Route(HandlerType.GET, "/v1/languages", ctx -> json(ctx, 200, languages())),
                new Route(HandlerType.GET, "/v1/snapshots", ctx -> json(ctx, 200, snapshots())),
                new Route(HandlerType.POST, "/v1/sandboxes", this::createSandbox),
                new Route(HandlerType.POST, "/v1/sandboxes/{id}/exec", ctx -> json(ctx, 200,
                        RunResponse.of(execIn(ctx.pathParam("id"), ctx.bodyAsBytes())))),
                new Route(HandlerType.POST, "/v1/sandboxes/{id}/snapshot", this::snapshotSandbox),
                new Route(HandlerType.PUT, "/v1/sandboxes/{id}/files/<path>", this::putFile),
                new Route(HandlerType.GET, "/v1/sandboxes/{id}/files/<path>", this::getFile),
                new Route(HandlerType.DELETE, "/v1/sandboxes/{id}", ctx -> {
                    sandboxes.delete(ctx.pathParam("id"));
                    ctx.status(204);
                }),
                new Route(HandlerType.POST, "/api/v2/execute", this::pistonExecute),
                new Route(HandlerType.GET, "/api/v2/runtimes", ctx -> json(ctx, 200,
                        PistonApi.runtimes(runtime.languages().all()))));
    }

    public ThawServer start() {
        app.start();
        options.pools().forEach((language, size) -> {
            String id = runtime.languages().get(language).id();
            WarmPool pool = new WarmPool(id, size, () -> runtime.startSandbox(id, null), slots);
            pools.put(id, pool);
            metrics.gauge(Metrics.labelled("thaw_pool_ready", "language", id), pool::ready);
            metrics.gauge(Metrics.labelled("thaw_pool_size", "language", id), pool::size);
        });
        LOG.log(System.Logger.Level.INFO, "thaw serve listening on {0}:{1}", options.host(), port());
        return this;
    }

    public int port() {
        return app.port();
    }

    /** Warm sandboxes waiting in {@code language}'s pool; 0 without a pool. */
    public int poolReady(String language) {
        WarmPool pool = pools.get(runtime.languages().get(language).id());
        return pool == null ? 0 : pool.ready();
    }

    /**
     * Drains: new requests get 503, the pools and long-lived sandboxes are stopped, and
     * requests in flight finish, responses written, for up to the drain timeout (Jetty's
     * graceful stop); then the server stops. VMs of requests still running after that are
     * stopped by the runtime's own shutdown, and those requests fail.
     */
    public void drain() {
        if (!draining.compareAndSet(false, true)) {
            return;
        }
        pools.values().forEach(WarmPool::close);
        sandboxes.close();
        app.stop();
    }

    @Override
    public void close() {
        drain();
    }

    private void admit(Context ctx) {
        if (draining.get() && !ctx.path().equals("/healthz")) {
            throw new ApiException(503, "draining", "the server is shutting down; retry against another instance");
        }
        if (options.token() != null && !ctx.path().equals("/healthz") && !authorized(ctx.header("Authorization"))) {
            ctx.header("WWW-Authenticate", "Bearer");
            throw new ApiException(401, "unauthorized", "this server needs an API token: send "
                    + "'Authorization: Bearer <token>' (the token given to thaw serve with --token or THAW_TOKEN)");
        }
    }

    /** Compares in constant time, so response times do not reveal how much of a guess was right. */
    private boolean authorized(String header) {
        String expected = "Bearer " + options.token();
        return header != null && MessageDigest.isEqual(header.getBytes(StandardCharsets.UTF_8),
                expected.getBytes(StandardCharsets.UTF_8));
    }

    private void run(Context ctx) {
        RunBody body = Json.read(Json.STRICT, ctx.bodyAsBytes(), RunBody.class);
        RunRequest request = body.toRequest();
        Map<String, byte[]> files = body.guestFiles();
        RunResult result = files.isEmpty() ? execute(request) : executeWithFiles(request, files);
        json(ctx, 200, RunResponse.of(result));
    }

    private void pistonExecute(Context ctx) {
        PistonApi.Execute body = Json.read(Json.LENIENT, ctx.bodyAsBytes(), PistonApi.Execute.class);
        if (body.language() == null) {
            throw ApiException.badRequest("'language' is missing; see GET /api/v2/runtimes");
        }
        Language language = runtime.languages().get(body.language());
        RunResult result = execute(PistonApi.request(body, language));
        ctx.contentType("application/json").result(Json.write(Json.LENIENT, PistonApi.result(language, result)));
    }

    /** From the language's warm pool when it has a sandbox waiting, else from a fresh restore. */
    private RunResult execute(RunRequest request) {
        long start = System.nanoTime();
        RunResult result = pooled(request).orElseGet(() -> {
            try (VmSlots.Slot slot = slots.acquire()) {
                return runtime.run(request);
            }
        });
        metrics.run(result.mode(), (System.nanoTime() - start) / 1e9);
        return result;
    }

    /** A one-shot sandbox that gets {@code files} before the program runs. */
    private RunResult executeWithFiles(RunRequest request, Map<String, byte[]> files) {
        long start = System.nanoTime();
        try (VmSlots.Slot slot = slots.acquire(); Sandbox sandbox = runtime.startSandbox(request.language(), null)) {
            files.forEach(sandbox::putFile);
            dev.thaw.sandbox.Timings timings = new dev.thaw.sandbox.Timings();
            RunResult result = sandbox.exec(request, timings, true);
            timings.record("total", System.nanoTime() - start);
            metrics.run(result.mode(), (System.nanoTime() - start) / 1e9);
            return result;
        }
    }

    private java.util.Optional<RunResult> pooled(RunRequest request) {
        WarmPool pool = request.snapshotId() == null && !request.cold()
                ? pools.get(runtime.languages().get(request.language()).id()) : null;
        if (pool == null) {
            return java.util.Optional.empty();
        }
        return pool.take().map(taken -> {
            try (VmSlots.Slot slot = taken.slot(); Sandbox sandbox = taken.sandbox()) {
                dev.thaw.sandbox.Timings timings = new dev.thaw.sandbox.Timings();
                long start = System.nanoTime();
                sandbox.resume();
                timings.record("resume", System.nanoTime() - start);
                RunResult result = sandbox.exec(request, timings, true);
                timings.record("total", System.nanoTime() - start);
                return result;
            }
        });
    }

    private void createSandbox(Context ctx) {
        SandboxBodies.Create body = Json.read(Json.STRICT, ctx.bodyAsBytes(), SandboxBodies.Create.class);
        body.check();
        VmSlots.Slot slot = slots.acquire();
        try {
            Sandbox sandbox = runtime.startSandbox(body.language(), body.snapshot());
            String id = sandboxes.add(sandbox, slot);
            json(ctx, 201, Map.of("id", id, "language", sandbox.language().id()));
        } catch (RuntimeException e) {
            slot.close();
            throw e;
        }
    }

    private RunResult execIn(String id, byte[] body) {
        SandboxBodies.Exec exec = Json.read(Json.STRICT, body, SandboxBodies.Exec.class);
        return sandboxes.with(id, sandbox -> sandbox.exec(exec.toRequest(sandbox.language().id()),
                new dev.thaw.sandbox.Timings(), false));
    }

    private void putFile(Context ctx) {
        String path = GuestPaths.of(ctx.pathParam("path"));
        byte[] data = ctx.bodyAsBytes();
        if (data.length > MAX_FILE_BYTES) {
            throw ApiException.tooLarge("the file is " + data.length + " bytes; the limit is " + MAX_FILE_BYTES);
        }
        sandboxes.with(ctx.pathParam("id"), sandbox -> {
            sandbox.putFile(path, data);
            return null;
        });
        ctx.status(204);
    }

    private void getFile(Context ctx) {
        String path = GuestPaths.of(ctx.pathParam("path"));
        byte[] data = sandboxes.with(ctx.pathParam("id"), sandbox -> sandbox.getFile(path));
        ctx.contentType("application/octet-stream").result(data);
    }

    /** A diff snapshot of a live sandbox, which then runs on; restore it with POST /v1/sandboxes. */
    private void snapshotSandbox(Context ctx) {
        SandboxBodies.Snapshot body = Json.read(Json.STRICT, ctx.bodyAsBytes(), SandboxBodies.Snapshot.class);
        body.check();
        Snapshot saved = sandboxes.with(ctx.pathParam("id"), sandbox -> {
            try {
                return runtime.saveDiff(sandbox, body.id(), Boolean.TRUE.equals(body.replace()),
                        new dev.thaw.sandbox.Timings());
            } finally {
                if (!sandbox.broken()) {
                    sandbox.resume();
                }
            }
        });
        json(ctx, 201, snapshot(saved, runtime.pinnedSnapshots().contains(saved.manifest().id())));
    }

    private List<Map<String, Object>> languages() {
        return runtime.languages().all().stream().map(l -> Map.<String, Object>of("id", l.id(), "version", l.version(),
                "aliases", l.aliases())).toList();
    }

    private List<Map<String, Object>> snapshots() {
        java.util.Set<String> pinned = runtime.pinnedSnapshots();
        return runtime.snapshots().stream().map(s -> snapshot(s, pinned.contains(s.manifest().id()))).toList();
    }

    private static Map<String, Object> snapshot(Snapshot s, boolean pinned) {
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        out.put("id", s.manifest().id());
        out.put("language", s.manifest().language());
        out.put("parent", s.manifest().parent());
        out.put("allocated_bytes", s.allocatedBytes());
        out.put("apparent_bytes", s.apparentBytes());
        out.put("created_at", s.manifest().createdAt().toString());
        out.put("last_used", s.lastUsed().toString());
        out.put("pinned", pinned);
        return out;
    }

    private long storeBytes() {
        try {
            return runtime.snapshots().stream().mapToLong(Snapshot::allocatedBytes).sum();
        } catch (RuntimeException e) {
            return -1;
        }
    }

    private static String routeOf(Context ctx) {
        String route = ctx.attribute(ROUTE);
        return route == null ? "unmatched" : route;
    }

    private void answer(Context ctx, ErrorResponses.Error error) {
        ctx.attribute(ANSWERED, true);
        if (error.status() == 503) {
            ctx.header("Retry-After", Long.toString(slots.retryAfterSeconds()));
        }
        json(ctx, error.status(), error.body());
    }

    private static void json(Context ctx, int status, Object body) {
        ctx.status(status).contentType("application/json").result(Json.write(Json.STRICT, body));
    }

    private static byte[] openApi() {
        try (InputStream in = ThawServer.class.getResourceAsStream("openapi.json")) {
            return in.readAllBytes();
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("openapi.json is missing from the build", e);
        }
    }
}
