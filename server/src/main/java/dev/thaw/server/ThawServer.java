package dev.thaw.server;

import dev.thaw.sandbox.Language;
import dev.thaw.sandbox.RunRequest;
import dev.thaw.sandbox.RunResult;
import dev.thaw.sandbox.SandboxException;
import dev.thaw.sandbox.ThawRuntime;
import dev.thaw.snapshot.Snapshot;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import io.javalin.router.Endpoint;
import org.eclipse.jetty.server.handler.GracefulHandler;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
    private static final String ANSWERED = "thaw.answered";

    private final ThawRuntime runtime;
    private final ServerOptions options;
    private final VmSlots slots;
    private final Metrics metrics = new Metrics();
    private final AtomicBoolean draining = new AtomicBoolean();
    private final Runs runs;
    private final SandboxRoutes sandboxes;
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
        this.runs = new Runs(runtime, slots, metrics);
        this.sandboxes = new SandboxRoutes(runtime, slots, options);
        metrics.gauge("thaw_sandboxes_live", sandboxes::live);
        metrics.gauge("thaw_net_pool_ready", runtime.networks()::ready);
        metrics.gauge("thaw_net_pool_size", runtime.networks()::size);
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
                config.routes.addEndpoint(new Endpoint(route.method(), route.path(), named, Set.of()));
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
                new Route(HandlerType.GET, "/healthz", ctx -> Responses.json(ctx, 200,
                        Map.of("status", draining.get() ? "draining" : "ok"))),
                new Route(HandlerType.GET, "/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4")
                        .result(metrics.render())),
                new Route(HandlerType.GET, "/openapi.json", ctx -> ctx.contentType("application/json")
                        .result(openApi())),
                new Route(HandlerType.POST, "/v1/run", this::run),
                new Route(HandlerType.GET, "/v1/languages", ctx -> Responses.json(ctx, 200, languages())),
                new Route(HandlerType.GET, "/v1/snapshots", ctx -> Responses.json(ctx, 200, snapshots())),
                new Route(HandlerType.POST, "/v1/sandboxes", sandboxes::create),
                new Route(HandlerType.POST, "/v1/sandboxes/{id}/exec", sandboxes::exec),
                new Route(HandlerType.POST, "/v1/sandboxes/{id}/snapshot", sandboxes::snapshot),
                new Route(HandlerType.PUT, "/v1/sandboxes/{id}/files/<path>", sandboxes::putFile),
                new Route(HandlerType.GET, "/v1/sandboxes/{id}/files/<path>", sandboxes::getFile),
                new Route(HandlerType.DELETE, "/v1/sandboxes/{id}", sandboxes::delete),
                new Route(HandlerType.GET, "/v1/pools", ctx -> Responses.json(ctx, 200, runs.pools())),
                new Route(HandlerType.PUT, "/v1/pools/{language}", this::resizePool),
                new Route(HandlerType.POST, "/api/v2/execute", this::pistonExecute),
                new Route(HandlerType.GET, "/api/v2/runtimes", ctx -> Responses.json(ctx, 200,
                        PistonApi.runtimes(runtime.languages().all()))));
    }

    public ThawServer start() {
        app.start();
        runs.startPools(options.pools());
        runtime.networks().resize(options.netPoolSize());
        LOG.log(System.Logger.Level.INFO, "thaw serve listening on {0}:{1}", options.host(), port());
        return this;
    }

    public int port() {
        return app.port();
    }

    /** Warm sandboxes waiting in {@code language}'s pool; 0 without a pool. */
    public int poolReady(String language) {
        return runs.poolReady(language);
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
        runs.close();
        sandboxes.close();
        app.stop();
        releaseNetworks();
    }

    @Override
    public void close() {
        drain();
    }

    /** The namespaces of stopped sandboxes come back in the background; a stopped server keeps none. */
    private void releaseNetworks() {
        runtime.networks().resize(0);
        try {
            runtime.networks().awaitReturns(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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
        RunResult result = files.isEmpty() ? runs.execute(request) : runs.executeWithFiles(request, files);
        Responses.json(ctx, 200, RunResponse.of(result));
    }

    private void resizePool(Context ctx) {
        PoolSize body = Json.read(Json.STRICT, ctx.bodyAsBytes(), PoolSize.class);
        if (body.size() == null) {
            throw ApiException.badRequest("field 'size' is missing, e.g. {\"size\": 2}");
        }
        runs.resizePool(ctx.pathParam("language"), body.size(), options.maxVms());
        Responses.json(ctx, 200, runs.pools());
    }

    /** The body of {@code PUT /v1/pools/{language}}. */
    record PoolSize(Integer size) {}

    private void pistonExecute(Context ctx) {
        PistonApi.Execute body = Json.read(Json.LENIENT, ctx.bodyAsBytes(), PistonApi.Execute.class);
        if (body.language() == null) {
            throw ApiException.badRequest("'language' is missing; see GET /api/v2/runtimes");
        }
        Language language = runtime.languages().get(body.language());
        RunResult result = runs.execute(PistonApi.request(body, language));
        ctx.contentType("application/json").result(Json.write(Json.LENIENT, PistonApi.result(language, result)));
    }

    private List<Map<String, Object>> languages() {
        return runtime.languages().all().stream().map(l -> Map.<String, Object>of("id", l.id(), "version", l.version(),
                "aliases", l.aliases(), "default_timeout_ms", l.defaultTimeout().toMillis())).toList();
    }

    private List<Map<String, Object>> snapshots() {
        java.util.Set<String> pinned = runtime.pinnedSnapshots();
        return runtime.snapshots().stream().map(s -> Responses.snapshot(s, pinned.contains(s.manifest().id()))).toList();
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
        Responses.json(ctx, error.status(), error.body());
    }

    private static byte[] openApi() {
        try (InputStream in = ThawServer.class.getResourceAsStream("openapi.json")) {
            return in.readAllBytes();
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("openapi.json is missing from the build", e);
        }
    }
}
