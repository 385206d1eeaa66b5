package dev.thaw.server;

import dev.thaw.sandbox.RunRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** The body of {@code POST /v1/run}. */
record RunBody(String language, String code, String stdin, Map<String, String> env, Long timeoutMs,
        List<Map<String, Object>> files) {

    RunRequest toRequest() {
        if (language == null || language.isBlank()) {
            throw ApiException.badRequest("field 'language' is missing; see GET /v1/languages for the ids");
        }
        if (code == null) {
            throw ApiException.badRequest("field 'code' is missing: send the program's source as a string");
        }
        if (files != null && !files.isEmpty()) {
            throw ApiException.badRequest("field 'files' is not supported yet: send the program in 'code'");
        }
        byte[] source = Limits.checked("code", code, RunRequest.MAX_CODE_BYTES);
        byte[] input = stdin == null ? null : Limits.checked("stdin", stdin, RunRequest.MAX_STDIN_BYTES);
        return new RunRequest(language, source, input, env, timeout(), RunRequest.DEFAULT_OUTPUT_CAP, false, null);
    }

    private Duration timeout() {
        if (timeoutMs == null) {
            return null;
        }
        if (timeoutMs <= 0 || timeoutMs > RunRequest.MAX_TIMEOUT.toMillis()) {
            throw ApiException.badRequest("field 'timeout_ms' must be between 1 and " + RunRequest.MAX_TIMEOUT.toMillis()
                    + ", was " + timeoutMs);
        }
        return Duration.ofMillis(timeoutMs);
    }

    /** Sizes in bytes as the guest receives them. */
    static final class Limits {
        private Limits() {}

        static byte[] checked(String field, String text, int limit) {
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            if (bytes.length > limit) {
                throw ApiException.tooLarge("field '" + field + "' is " + bytes.length + " bytes; the limit is " + limit);
            }
            return bytes;
        }
    }
}
