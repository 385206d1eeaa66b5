package dev.thaw.guestagent;

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
}
