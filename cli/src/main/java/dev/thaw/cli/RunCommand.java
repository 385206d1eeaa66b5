package dev.thaw.cli;

import dev.thaw.sandbox.Language;
import dev.thaw.sandbox.Languages;
import dev.thaw.sandbox.RunRequest;
import dev.thaw.sandbox.RunResult;
import dev.thaw.sandbox.SandboxException;
import dev.thaw.sandbox.ThawRuntime;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Runs code in a sandbox restored from the language's snapshot (made on first use).",
                "stdout and stderr are the program's; the exit status is the program's, 124 if it timed out,",
                "2 for bad input and 125 if Thaw itself failed."})
final class RunCommand implements Callable<Integer> {

    static final int TIMED_OUT = 124;

    @ParentCommand
    ThawCommand thaw;

    @Option(names = {"-l", "--lang"},
            description = "Language id or alias, e.g. python, sh (default with --file: guessed from its extension).")
    String language;

    @ArgGroup(multiplicity = "1")
    Source source;

    static final class Source {
        @Option(names = {"-c", "--code"}, description = "The program's source code.")
        String code;

        @Option(names = "--file", description = "Read the program's source from this file.")
        Path file;
    }

    @Option(names = "--stdin", paramLabel = "TEXT",
            description = "Text given to the program on stdin (default: Thaw's own stdin when it is not a terminal).")
    String stdin;

    @Option(names = {"-e", "--env"}, paramLabel = "NAME=VALUE", description = "Environment variable (repeatable).")
    Map<String, String> env = new LinkedHashMap<>();

    @Option(names = "--timeout", paramLabel = "DURATION",
            converter = DurationConverter.class,
            description = {"Kill the program after this long, e.g. 500ms, 10s, 2m (default: the language's,",
                    "10s for interpreters, 60s for compilers and JVM languages, more for the slowest toolchains)."})
    Duration timeout;

    @Option(names = "--output-cap", paramLabel = "BYTES", defaultValue = "1048576",
            description = "Keep at most this many bytes of stdout and of stderr (default: ${DEFAULT-VALUE}).")
    int outputCap;

    @Option(names = "--cold", description = "Boot a fresh VM instead of restoring a snapshot, to compare.")
    boolean cold;

    @Option(names = "--snapshot", paramLabel = "ID", description = "Restore from this snapshot instead of the language's.")
    String snapshotId;

    @Option(names = "--save-as", paramLabel = "ID", description = {
            "After the program, save the sandbox as diff snapshot ID of the snapshot it was restored from:",
            "only what the program changed in memory and on disk is stored. Restore it with --snapshot ID."})
    String saveAs;

    @Option(names = "--replace", description = "With --save-as: replace an existing snapshot ID.")
    boolean replace;

    @Option(names = "--timings", description = "Print timings (ms) to stderr.")
    boolean timings;

    @Option(names = "--json", description = "Print one JSON object with the output, exit code, mode and timings.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        byte[] input = stdin != null ? bytes(stdin) : StandardInput.readUnlessTerminal(RunRequest.MAX_STDIN_BYTES);
        RunRequest request = new RunRequest(language(), code(), input, env, timeout, outputCap, cold, snapshotId);
        RunResult result = saveAs == null ? thaw.runtime().run(request) : runAndSave(request);
        if (json) {
            Json.print(RunReport.of(result));
        } else {
            write(result, request.timeoutIn(thaw.runtime().languages().get(request.language())));
        }
        return result.timedOut() ? TIMED_OUT : result.exitCode();
    }

    private RunResult runAndSave(RunRequest request) {
        ThawRuntime.SavedRun saved = thaw.runtime().runAndSave(request, saveAs, replace);
        System.err.printf("thaw: saved diff snapshot %s of %s (%s on disk)%n", saveAs,
                saved.snapshot().manifest().parent(), Sizes.human(saved.snapshot().allocatedBytes()));
        return saved.result();
    }

    private String language() {
        if (language != null) {
            return language;
        }
        if (source.file == null) {
            throw new SandboxException(SandboxException.Code.BAD_REQUEST, "--code needs --lang; see thaw languages");
        }
        String name = source.file.getFileName().toString();
        return Languages.builtIn().byFileName(name).map(Language::id).orElseThrow(() ->
                new SandboxException(SandboxException.Code.BAD_REQUEST, "cannot tell the language of " + name
                        + " from its extension; pass --lang (thaw languages lists them)"));
    }

    private byte[] code() throws IOException {
        if (source.file == null) {
            return bytes(source.code);
        }
        if (!Files.isRegularFile(source.file)) {
            throw new SandboxException(SandboxException.Code.BAD_REQUEST, "no such file: " + source.file);
        }
        return Files.readAllBytes(source.file);
    }

    private static byte[] bytes(String text) {
        return text == null ? null : text.getBytes(StandardCharsets.UTF_8);
    }

    private void write(RunResult result, Duration timeout) throws IOException {
        // Raw descriptors: the program's bytes pass through unchanged, whatever their encoding.
        OutputStream out = new FileOutputStream(FileDescriptor.out);
        out.write(result.stdout());
        out.flush();
        OutputStream err = new FileOutputStream(FileDescriptor.err);
        err.write(result.stderr());
        err.flush();
        if (result.timedOut()) {
            System.err.println("thaw: the program was killed after its timeout of " + timeout.toMillis() + " ms");
        }
        if (result.truncated()) {
            System.err.println("thaw: output was truncated to " + outputCap + " bytes per stream");
        }
        if (timings) {
            System.err.println("thaw: mode " + result.mode() + ", timings (ms) " + RunReport.rounded(result.timings()));
        }
    }
}
