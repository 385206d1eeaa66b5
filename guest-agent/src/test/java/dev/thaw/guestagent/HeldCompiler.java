package dev.thaw.guestagent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/** What a held compiler's image has in /opt/thaw (languages.json: "hold"), built on the host. */
final class HeldCompiler {

    private HeldCompiler() {}

    /** premain.so, compile-hold.so and compile-hold.sh in {@code dir}/lib, for THAW_LIBRARY_DIR. */
    static Path libraries(Path dir) throws Exception {
        Path libraries = dir.resolve("lib");
        SharedLibraryCompiler.guestLibrary(libraries, "premain.so");
        SharedLibraryCompiler.guestLibrary(libraries, "compile-hold.so");
        Path launcher = Files.copy(HostModeAgent.sourceDir().resolve("compile-hold.sh"),
                libraries.resolve("compile-hold.sh"), StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
        return libraries;
    }

    /**
     * Compiles {@code source} as the language's compile command does, without the agent:
     * {@code script} (nim-compile.sh, crystal-compile.sh) run in a directory of its own, with
     * {@code dirVariable} naming the compiler's directory, {@code compilerDir}. Returns what the
     * program it made prints.
     */
    static String compileAndRunPlain(Path dir, Path script, String dirVariable, Path compilerDir, String file,
            String source) throws Exception {
        Path work = Files.createDirectories(dir.resolve("plain"));
        Files.writeString(work.resolve(file), source);
        ProcessBuilder builder = new ProcessBuilder("/bin/sh", script.toString(), work.resolve("main").toString())
                .directory(work.toFile()).redirectErrorStream(true);
        builder.environment().put(dirVariable, compilerDir.toString());
        Process compile = builder.start();
        String messages = new String(compile.getInputStream().readAllBytes());

        assertThat(compile.waitFor()).as(messages).isZero();
        Process program = new ProcessBuilder(work.resolve("main").toString()).start();
        return new String(program.getInputStream().readAllBytes());
    }
}
