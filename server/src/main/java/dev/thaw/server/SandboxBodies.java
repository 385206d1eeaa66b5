package dev.thaw.server;

import dev.thaw.sandbox.RunRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Request bodies of the {@code /v1/sandboxes} routes. */
final class SandboxBodies {

    private SandboxBodies() {}

    /**
     * {@code POST /v1/sandboxes}: from a language's snapshot, or from a snapshot id (of that
     * language); with a network namespace of its own when {@code network} is true.
     */
    record Create(String language, String snapshot, Boolean network) {
        void check() {
            if (language == null || language.isBlank()) {
                throw ApiException.badRequest("field 'language' is missing; see GET /v1/languages");
            }
        }
    }

    /** {@code POST /v1/sandboxes/{id}/exec}. */
    record Exec(String code, String stdin, Map<String, String> env, Long timeoutMs, List<String> args) {
        RunRequest toRequest(String language) {
            return new RunBody(language, code, stdin, env, timeoutMs, null, null, args).toRequest();
        }
    }

    /** {@code POST /v1/sandboxes/{id}/snapshot}: a diff snapshot of the sandbox. */
    record Snapshot(String id, Boolean replace) {
        void check() {
            if (id == null || id.isBlank()) {
                throw ApiException.badRequest("field 'id' is missing: name the snapshot, e.g. {\"id\": \"my-state\"}");
            }
        }
    }

    static Duration orDefault(Duration value, Duration fallback) {
        return value == null ? fallback : value;
    }
}
