package dev.thaw.images;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * A small C program of Thaw's that a layer carries as an executable (a resident runner's
 * launcher), compiled with the host's gcc. The host is Debian bookworm like the guest, so the
 * program links dynamically against the glibc it finds in the image. The build JDK's JNI
 * headers are on the include path: JNI's tables only grow, so they describe the guest's
 * older JDK too. An output named {@code *.so} is a shared library (a runner loaded into a
 * language's own command with LD_PRELOAD). A layer's digest covers the source, not the binary
 * (as for the agent).
 */
final class GuestProgram {

    private GuestProgram() {}

    /** Compiles {@code source} into {@code output} (mode 0755), stripped. */
    static void compile(String source, Path output) {
        Path include = Path.of(System.getProperty("java.home"), "include");
        try {
            Path file = Files.createTempFile("thaw-program-", ".c");
            try {
                Files.writeString(file, source);
                Files.createDirectories(output.getParent());
                List<String> gcc = new ArrayList<>(List.of("gcc", "-O2", "-Wall", "-Wextra", "-I" + include,
                        "-I" + include.resolve("linux")));
                if (output.getFileName().toString().endsWith(".so")) {
                    gcc.addAll(List.of("-shared", "-fPIC"));
                }
                gcc.addAll(List.of("-o", output.toString(), file.toString(), "-ldl", "-lpthread"));
                HostCommand.run(gcc);
                HostCommand.run(List.of("strip", output.toString()));
                Files.setPosixFilePermissions(output, PosixFilePermissions.fromString("rwxr-xr-x"));
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot compile the program " + output, e);
        }
    }
}
