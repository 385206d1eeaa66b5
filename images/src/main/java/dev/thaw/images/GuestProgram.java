package dev.thaw.images;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A small C program of Thaw's that a layer carries as an executable (a resident runner's
 * launcher), compiled with the host's gcc. The host is Debian bookworm like the guest, so the
 * program links dynamically against the glibc it finds in the image. The build JDK's JNI
 * headers are on the include path: JNI's tables only grow, so they describe the guest's
 * older JDK too. An output named {@code *.so} is a shared library (a runner loaded into a
 * language's own command with LD_PRELOAD). A layer's cache key covers the source and
 * {@link #BUILD}, not the binary (as for the agent); the image's digest, over its bytes, then
 * depends on the binary being the same for the same source.
 */
final class GuestProgram {

    /**
     * Part of the key of every layer that carries a program: bump it when a change to how programs
     * are compiled changes their bytes, so that only those layers are built again. 2: reproducible
     * (before it, ld's build id hashed the random name of the source's temporary file).
     */
    static final String BUILD = "2";

    private static final String SOURCE_NAME = "program.c";

    private GuestProgram() {}

    /** Compiles {@code source} into {@code output} (mode 0755), stripped; the same source gives the same bytes. */
    static void compile(String source, Path output) {
        Path include = Path.of(System.getProperty("java.home"), "include");
        Path target = output.toAbsolutePath();
        try {
            Path dir = Files.createTempDirectory("thaw-program-");
            try {
                // gcc names the source file in the object, and ld's build id hashes it: a fixed name,
                // given relative to the directory gcc runs in, keeps the binary and its layer reproducible.
                Files.writeString(dir.resolve(SOURCE_NAME), source);
                Files.createDirectories(target.getParent());
                List<String> gcc = new ArrayList<>(List.of("gcc", "-O2", "-Wall", "-Wextra", "-I" + include,
                        "-I" + include.resolve("linux")));
                if (target.getFileName().toString().endsWith(".so")) {
                    gcc.addAll(List.of("-shared", "-fPIC"));
                }
                gcc.addAll(List.of("-o", target.toString(), SOURCE_NAME, "-ldl", "-lpthread"));
                HostCommand.run(gcc, dir, Map.of());
                HostCommand.run(List.of("strip", target.toString()));
                Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
            } finally {
                WorkDirs.deleteTree(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot compile the program " + output, e);
        }
    }
}
