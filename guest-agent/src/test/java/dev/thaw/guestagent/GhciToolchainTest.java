package dev.thaw.guestagent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * ghci-toolchain.sh with the host's binutils, and a gcc behind a script that logs each call:
 * the assemblies and shared-library links that GHCi asks for go to as and gold alone, the
 * library without the packages' libraries; anything else goes to gcc as it came.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GhciToolchainTest {

    @TempDir
    Path dir;
    LoggingGcc gcc;

    @BeforeEach
    void loggingGcc() throws IOException {
        gcc = LoggingGcc.in(dir);
        Files.writeString(dir.resolve("answer.s"), ".globl answer\n.text\nanswer:\n movl $42, %eax\n ret\n");
    }

    @Test
    void an_assembly_as_ghc_asks_for_it_goes_to_as_alone() throws Exception {
        assertThat(toolchain("-iquote.", "-no-pie", "-fPIC", "-U__PIC__", "-D__PIC__", "-x", "assembler", "-c",
                "answer.s", "-o", "answer.o.tmp")).isZero();

        assertThat(run("readelf", "-s", "answer.o.tmp")).contains("answer");
        assertThat(gcc.calls()).isEmpty();
    }

    @Test
    void a_link_of_ghcis_library_from_a_response_file_leaves_the_packages_libraries_out() throws Exception {
        toolchain("-x", "assembler", "-c", "answer.s", "-o", "answer.o");
        Files.write(dir.resolve("link.rsp"), List.of("\"-Wl,--hash-size=31\"", "\"-Wl,--no-as-needed\"", "\"-o\"",
                "\"libghc_9.so\"", "\"answer.o\"", "\"-shared\"", "\"-Wl,-Bsymbolic\"", "\"-Wl,-h,libghc_9.so\"",
                "\"-L/usr/lib/ghc/base-4.15.1.0\"", "\"-Xlinker\"", "\"-rpath\"", "\"-Xlinker\"",
                "\"/usr/lib/ghc/base-4.15.1.0\"", "\"-lHSbase-4.15.1.0-ghc9.0.2\"", "\"-lgmp\"", "\"-lc\""));

        assertThat(toolchain("@link.rsp")).isZero();

        String dynamic = run("readelf", "-d", "libghc_9.so");
        assertThat(dynamic).contains("Library soname: [libghc_9.so]").contains("SYMBOLIC").doesNotContain("NEEDED");
        assertThat(gcc.calls()).isEmpty();
    }

    @Test
    void what_it_does_not_know_goes_to_gcc_as_it_came() throws Exception {
        Files.writeString(dir.resolve("stub.c"), "int stub(void) { return 1; }\n");

        assertThat(toolchain("-O2", "-c", "stub.c", "-o", "stub.o")).isZero();
        assertThat(toolchain("-x", "assembler", "-c", "answer.s", "-o", "answer.o", "-Wa,--noexecstack")).isZero();

        assertThat(gcc.calls()).containsExactly("-O2 -c stub.c -o stub.o",
                "-x assembler -c answer.s -o answer.o -Wa,--noexecstack");
        assertThat(dir.resolve("stub.o")).exists();
    }

    private int toolchain(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("/bin/sh",
                HostModeAgent.sourceDir().resolve("ghci-toolchain.sh").toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).inheritIO();
        builder.environment().put("GHCI_TOOLCHAIN_GCC", gcc.script().toString());
        return builder.start().waitFor();
    }

    private String run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as(String.join(" ", command)).isZero();
        return output;
    }
}
