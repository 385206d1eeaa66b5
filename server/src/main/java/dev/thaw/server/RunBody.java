package dev.thaw.server;

import dev.thaw.sandbox.RunRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** The body of {@code POST /v1/run}. */
record RunBody(String language, String code, String stdin, Map<String, String> env, Long timeoutMs,
        List<File> files, Boolean network, List<String> args) {

    /** A file written into the sandbox before the program runs; {@code path} is from the guest's root. */
    record File(String path, String content) {}

    RunRequest toRequest() {
        if (language == null || language.isBlank()) {
            throw ApiException.badRequest("field 'language' is missing; see GET /v1/languages for the ids");
        }
        if (code == null) {
            throw ApiException.badRequest("field 'code' is missing: send the program's source as a string");
        }
        byte[] source = Limits.checked("code", code, RunRequest.MAX_CODE_BYTES);
        byte[] input = stdin == null ? null : Limits.checked("stdin", stdin, RunRequest.MAX_STDIN_BYTES);
        return new RunRequest(language, source, input, env, timeout(), RunRequest.DEFAULT_OUTPUT_CAP, false, null,
                Boolean.TRUE.equals(network), args);
    }

    /** The files to write first, by guest path; checked like the files routes' paths. */
    Map<String, byte[]> guestFiles() {
        Map<String, byte[]> out = new java.util.LinkedHashMap<>();
        long total = 0;
        for (File file : files == null ? List.<File>of() : files) {
            if (file == null || file.path() == null || file.content() == null) {
                throw ApiException.badRequest("each entry of 'files' needs 'path' and 'content'");
            }
            String path = GuestPaths.of(file.path().startsWith("/") ? file.path().substring(1) : file.path());
            byte[] content = Limits.checked("files[].content", file.content(), RunRequest.MAX_STDIN_BYTES);
            total += content.length;
            if (total > RunRequest.MAX_STDIN_BYTES) {
                throw ApiException.tooLarge("'files' hold " + total + " bytes; the limit is " + RunRequest.MAX_STDIN_BYTES);
            }
            out.put(path, content);
        }
        return out;
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
