package dev.thaw.server;

import dev.thaw.sandbox.SandboxException;
import java.util.Locale;
import java.util.Map;

/**
 * The one place where failures become HTTP statuses. The body is always
 * {@code {"error": {"code", "message"}}}; the message is the runtime's own, which says what
 * was asked, what was found and what to do.
 */
final class ErrorResponses {

    private ErrorResponses() {}

    record Error(int status, Map<String, Map<String, String>> body) {}

    static Error of(ApiException e) {
        return error(e.status(), e.code(), e.getMessage());
    }

    static Error of(SandboxException e) {
        return error(status(e.code()), e.code().name().toLowerCase(Locale.ROOT), e.getMessage());
    }

    static Error internal(Exception e) {
        return error(500, "internal", "Thaw failed: " + e);
    }

    static int status(SandboxException.Code code) {
        return switch (code) {
            case UNKNOWN_LANGUAGE, BAD_REQUEST -> 400;
            case NOT_FOUND -> 404;
            case DISK_FULL -> 507;
            case GUEST_CRASHED, GUEST_UNRESPONSIVE -> 502;
            case SNAPSHOT_UNUSABLE, IMAGE_BUILD_FAILED, HOST -> 500;
        };
    }

    private static Error error(int status, String code, String message) {
        return new Error(status, Map.of("error", Map.of("code", code, "message", message)));
    }
}
