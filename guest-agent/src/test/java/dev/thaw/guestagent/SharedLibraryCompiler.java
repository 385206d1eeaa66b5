package dev.thaw.guestagent;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A C file built into a shared library on the host as the image builder builds one (GuestProgram), warnings as errors. */
final class SharedLibraryCompiler {

    private SharedLibraryCompiler() {}

    /** This module's guest library {@code name} (premain.so, jq-builtins.so, ...) built into {@code dir}. */
    static Path guestLibrary(Path dir, String name) throws IOException, InterruptedException {
        Path library = Files.createDirectories(dir).resolve(name);
        compile(library, HostModeAgent.sourceDir().resolve(name + ".c"));
        return library;
    }

    /**
     * {@code command} as languages.json starts a premain runner with {@code "preload"}: under env,
     * premain.so and {@code preload} (built into {@code dir}) in LD_PRELOAD.
     */
    static List<String> premainCommand(Path dir, String preload, List<String> command)
            throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(List.of("/usr/bin/env",
                "LD_PRELOAD=" + guestLibrary(dir, "premain.so") + " " + guestLibrary(dir, preload)));
        argv.addAll(command);
        return argv;
    }

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
