package dev.thaw.server;

import dev.thaw.sandbox.RunResult;
import dev.thaw.sandbox.Sandbox;
import dev.thaw.sandbox.ThawRuntime;
import dev.thaw.sandbox.Timings;
import dev.thaw.snapshot.Snapshot;
import io.javalin.http.Context;
import java.time.InstantSource;
import java.util.Map;

/** The {@code /v1/sandboxes} routes: sandboxes that live across requests. */
final class SandboxRoutes implements AutoCloseable {

    /** What the guest agent reads or writes in one message. */
    private static final int MAX_FILE_BYTES = 16 << 20;

    private final ThawRuntime runtime;
    private final VmSlots slots;
    private final SandboxRegistry sandboxes;

    SandboxRoutes(ThawRuntime runtime, VmSlots slots, ServerOptions options) {
        this.runtime = runtime;
        this.slots = slots;
        this.sandboxes = new SandboxRegistry(options.idleTimeout(), InstantSource.system());
    }

    int live() {
        return sandboxes.size();
    }

    void create(Context ctx) {
        SandboxBodies.Create body = Json.read(Json.STRICT, ctx.bodyAsBytes(), SandboxBodies.Create.class);
        body.check();
        VmSlots.Slot slot = slots.acquire();
        try {
            Sandbox sandbox = runtime.startSandbox(body.language(), body.snapshot(), Boolean.TRUE.equals(body.network()));
            String id = sandboxes.add(sandbox, slot);
            Map<String, Object> created = new java.util.LinkedHashMap<>(Map.of("id", id, "language",
                    sandbox.language().id()));
            sandbox.network().ifPresent(net -> created.put("network", Map.of("address", net.sandboxAddress())));
            Responses.json(ctx, 201, created);
        } catch (RuntimeException e) {
            slot.close();
            throw e;
        }
    }

    void exec(Context ctx) {
        SandboxBodies.Exec exec = Json.read(Json.STRICT, ctx.bodyAsBytes(), SandboxBodies.Exec.class);
        RunResult result = sandboxes.with(ctx.pathParam("id"), sandbox ->
                sandbox.exec(exec.toRequest(sandbox.language().id()), new Timings(), false));
        Responses.json(ctx, 200, RunResponse.of(result));
    }

    void putFile(Context ctx) {
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

    void getFile(Context ctx) {
        String path = GuestPaths.of(ctx.pathParam("path"));
        byte[] data = sandboxes.with(ctx.pathParam("id"), sandbox -> sandbox.getFile(path));
        ctx.contentType("application/octet-stream").result(data);
    }

    /** A diff snapshot of a live sandbox, which then runs on; restore it with POST /v1/sandboxes. */
    void snapshot(Context ctx) {
        SandboxBodies.Snapshot body = Json.read(Json.STRICT, ctx.bodyAsBytes(), SandboxBodies.Snapshot.class);
        body.check();
        Snapshot saved = sandboxes.with(ctx.pathParam("id"), sandbox -> {
            try {
                return runtime.saveDiff(sandbox, body.id(), Boolean.TRUE.equals(body.replace()), new Timings());
            } finally {
                if (!sandbox.broken()) {
                    sandbox.resume();
                }
            }
        });
        Responses.json(ctx, 201, Responses.snapshot(saved, runtime.pinnedSnapshots().contains(saved.manifest().id())));
    }

    void delete(Context ctx) {
        sandboxes.delete(ctx.pathParam("id"));
        ctx.status(204);
    }

    @Override
    public void close() {
        sandboxes.close();
    }
}
