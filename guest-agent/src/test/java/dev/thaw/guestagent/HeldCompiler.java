package dev.thaw.guestagent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

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
     * A compiled language's script that is both its compile command and its resident
     * (nim-compile.sh, crystal-compile.sh, d-compile.sh): {@code SCRIPT OUTPUT} compiles the working directory's
     * {@code sourceFile} into OUTPUT, {@code SCRIPT --held} is the held compile; each in the
     * compiler's directory that {@code dirVariable} names.
     */
    record CompileScript(String name, String dirVariable, String sourceFile) {

        Path path() {
            return HostModeAgent.sourceDir().resolve(name);
        }

        /** The agent with the held compile as its resident, in {@code compilerDir}. */
        KeptStdioRunner startHeld(Path dir, Path compilerDir) throws Exception {
            Path libraries = libraries(dir);
            return KeptStdioRunner.startCommand(dir, List.of("/usr/bin/env", "THAW_LIBRARY_DIR=" + libraries,
                    dirVariable + "=" + compilerDir, "/bin/sh", path().toString(), "--held"), sourceFile);
        }

        /** Compiles {@code source} as the compile command does, without the agent; returns what the program prints. */
        String compileAndRunPlain(Path dir, Path compilerDir, String source) throws Exception {
            Path work = Files.createDirectories(dir.resolve("plain"));
            Files.writeString(work.resolve(sourceFile), source);
            ProcessBuilder builder = new ProcessBuilder("/bin/sh", path().toString(), work.resolve("main").toString())
                    .directory(work.toFile()).redirectErrorStream(true);
            builder.environment().put(dirVariable, compilerDir.toString());
            Process compile = builder.start();
            String messages = new String(compile.getInputStream().readAllBytes());

            assertThat(compile.waitFor()).as(messages).isZero();
            Process program = new ProcessBuilder(work.resolve("main").toString()).start();
            return new String(program.getInputStream().readAllBytes());
        }
    }
}
