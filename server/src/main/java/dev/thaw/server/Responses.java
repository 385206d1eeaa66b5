package dev.thaw.server;

import dev.thaw.snapshot.Snapshot;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.Map;

/** JSON answers, and how a snapshot looks in them. */
final class Responses {

    private Responses() {}

    static void json(Context ctx, int status, Object body) {
        ctx.status(status).contentType("application/json").result(Json.write(Json.STRICT, body));
    }

    static Map<String, Object> snapshot(Snapshot s, boolean pinned) {
        Map<String, Object> out = new LinkedHashMap<>();
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
}
