package dev.thaw.guestagent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The host's gcc behind a script that logs each call's arguments, one line per call: what the
 * scripts that stand in for gcc (cc-memo.sh, ghci-toolchain.sh) hand on to it, and what not.
 */
record LoggingGcc(Path script, Path log) {

    /** Writes the script and names its log, both in {@code dir}. */
    static LoggingGcc in(Path dir) throws IOException {
        Path log = dir.resolve("calls.log");
        Path script = dir.resolve("logging-gcc");
        Files.writeString(script, "#!/bin/sh\necho \"$*\" >> " + log + "\nexec gcc \"$@\"\n");
        script.toFile().setExecutable(true);
        return new LoggingGcc(script, log);
    }

    /** The calls so far, each as its arguments joined by spaces. */
    List<String> calls() throws IOException {
        return Files.exists(log) ? Files.readAllLines(log) : List.of();
    }
}
