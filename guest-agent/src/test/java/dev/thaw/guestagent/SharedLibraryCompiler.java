package dev.thaw.guestagent;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/** A C file built into a shared library on the host as the image builder builds one (GuestProgram), warnings as errors. */
final class SharedLibraryCompiler {

    private SharedLibraryCompiler() {}

    static void compile(Path output, Path source) throws IOException, InterruptedException {
        List<String> command = List.of("gcc", "-O2", "-Wall", "-Wextra", "-Werror", "-shared", "-fPIC", "-o",
                output.toString(), source.toString());
        Process gcc = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (gcc.waitFor() != 0) {
            throw new UncheckedIOException(new IOException("gcc failed: " + command + "\n" + out));
        }
    }
}
