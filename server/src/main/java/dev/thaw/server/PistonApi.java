package dev.thaw.server;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.thaw.sandbox.Language;
import dev.thaw.sandbox.RunRequest;
import dev.thaw.sandbox.RunResult;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Piston's v2 API ({@code POST /api/v2/execute}, {@code GET /api/v2/runtimes}), so that
 * Piston clients work against Thaw unchanged. Piston runs every file it is sent; Thaw runs
 * the first, the way Piston treats it as the entry point.
 */
final class PistonApi {

    private PistonApi() {}

    record File(String name, String content, String encoding) {}

    record Execute(String language, String version, List<File> files, String stdin, List<String> args,
            @JsonProperty("run_timeout") Long runTimeout) {}

    record Stage(String stdout, String stderr, String output, Integer code, String signal) {}

    record Result(String language, String version, Stage run) {}

    record Runtime(String language, String version, List<String> aliases, String runtime) {}

    static RunRequest request(Execute body, Language language) {
        if (body.files() == null || body.files().isEmpty() || body.files().getFirst().content() == null) {
            throw ApiException.badRequest("'files' must hold at least one file with 'content'");
        }
        if (body.version() != null && !body.version().equals("*") && !language.version().startsWith(body.version())) {
            throw ApiException.badRequest("version '" + body.version() + "' of " + language.id() + " is not available; "
                    + "this server has " + language.version() + " (see GET /api/v2/runtimes), or send \"*\"");
        }
        byte[] code = decoded(body.files().getFirst());
        if (code.length > RunRequest.MAX_CODE_BYTES) {
            throw ApiException.tooLarge("files[0] is " + code.length + " bytes; the limit is " + RunRequest.MAX_CODE_BYTES);
        }
        byte[] stdin = body.stdin() == null ? null
                : RunBody.Limits.checked("stdin", body.stdin(), RunRequest.MAX_STDIN_BYTES);
        Duration timeout = body.runTimeout() == null ? null : Duration.ofMillis(body.runTimeout());
        return new RunRequest(language.id(), code, stdin, Map.of(), timeout, RunRequest.DEFAULT_OUTPUT_CAP, false, null,
                false, body.args());
    }

    /** A file's bytes in Piston's encodings: utf8 (the default), base64 or hex. */
    static byte[] decoded(File file) {
        String encoding = file.encoding() == null ? "utf8" : file.encoding();
        try {
            return switch (encoding) {
                case "utf8" -> file.content().getBytes(StandardCharsets.UTF_8);
                case "base64" -> Base64.getDecoder().decode(file.content().strip());
                case "hex" -> HexFormat.of().parseHex(file.content().strip());
                default -> throw ApiException.badRequest("file encoding '" + encoding
                        + "' is not one of utf8, base64, hex");
            };
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("files[0] is not valid " + encoding + ": " + e.getMessage());
        }
    }

    /** Piston reports a killed program with code null and the signal's name. */
    static Result result(Language language, RunResult r) {
        String stdout = RunResponse.text(r.stdout());
        String stderr = RunResponse.text(r.stderr());
        boolean signalled = r.signal() != 0 || r.timedOut();
        String signal = r.timedOut() ? "SIGKILL" : r.signal() != 0 ? Signals.name(r.signal()) : null;
        return new Result(language.id(), language.version(),
                new Stage(stdout, stderr, stdout + stderr, signalled ? null : r.exitCode(), signal));
    }

    static List<Runtime> runtimes(List<Language> languages) {
        return languages.stream().map(l -> new Runtime(l.id(), l.version(), l.aliases(), l.id())).toList();
    }

    /** Signal names as Piston reports them. */
    static final class Signals {
        private static final List<String> NAMES = List.of("", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP",
                "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM",
                "SIGTERM");

        private Signals() {}

        static String name(int signal) {
            return signal > 0 && signal < NAMES.size() ? NAMES.get(signal) : "SIG" + signal;
        }
    }
}
