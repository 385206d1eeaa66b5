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
 * cc-memo.sh with the host's gcc behind a script that logs each call: what it compiles, what
 * it takes from its memo instead, and what it leaves there.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CcMemoTest {

    @TempDir
    Path dir;
    Path memo;
    LoggingGcc compiler;

    @BeforeEach
    void loggingCompiler() throws IOException {
        memo = dir.resolve("memo");
        compiler = LoggingGcc.in(dir);
        Files.writeString(dir.resolve("stub.c"), "int answer(void) { return 42; }\n");
    }

    @Test
    void a_second_compile_of_the_same_source_and_arguments_copies_the_first_object() throws Exception {
        assertThat(memo("-c", "stub.c", "-o", "one.o", "-fPIC").status()).isZero();
        assertThat(memo("-c", "stub.c", "-o", "two.o", "-fPIC").status()).isZero();

        assertThat(compiler.calls()).hasSize(1);
        assertThat(Files.readAllBytes(dir.resolve("two.o"))).isEqualTo(Files.readAllBytes(dir.resolve("one.o")));
    }

    @Test
    void other_arguments_or_another_source_compile_again() throws Exception {
        memo("-c", "stub.c", "-o", "one.o", "-fPIC");
        memo("-c", "stub.c", "-o", "two.o", "-O2");
        Files.writeString(dir.resolve("stub.c"), "int answer(void) { return 43; }\n");
        memo("-c", "stub.c", "-o", "three.o", "-fPIC");

        assertThat(compiler.calls()).hasSize(3);
        assertThat(Files.readAllBytes(dir.resolve("three.o"))).isNotEqualTo(Files.readAllBytes(dir.resolve("one.o")));
    }

    @Test
    void the_paths_of_source_and_object_are_not_part_of_what_it_remembers() throws Exception {
        Files.createDirectories(dir.resolve("elsewhere"));
        Files.copy(dir.resolve("stub.c"), dir.resolve("elsewhere/ghc_4.c"));
        memo("-c", "stub.c", "-o", "one.o");
        memo("-c", "elsewhere/ghc_4.c", "-o", "elsewhere/ghc_5.o");

        assertThat(compiler.calls()).hasSize(1);
        assertThat(dir.resolve("elsewhere/ghc_5.o")).exists();
    }

    @Test
    void arguments_in_a_response_file_as_ghc_writes_them_are_read() throws Exception {
        Files.writeString(dir.resolve("one.rsp"), "\"-c\"\n\"stub.c\"\n\"-o\"\n\"one.o\"\n\"-fPIC\"\n");
        Files.writeString(dir.resolve("two.rsp"), "\"-c\"\n\"stub.c\"\n\"-o\"\n\"two.o\"\n\"-fPIC\"\n");
        memo("@one.rsp");
        memo("@two.rsp");

        assertThat(compiler.calls()).containsExactly("-c stub.c -o one.o -fPIC");
        assertThat(dir.resolve("two.o")).exists();
    }

    @Test
    void a_response_file_with_escapes_goes_to_gcc_as_it_is() throws Exception {
        Files.writeString(dir.resolve("quoted.rsp"), "\"-c\"\n\"stub.c\"\n\"-o\"\n\"q.o\"\n\"-DNAME=\\\"x\\\"\"\n");

        assertThat(memo("@quoted.rsp").status()).isZero();
        assertThat(compiler.calls()).containsExactly("@quoted.rsp");
        assertThat(memo).doesNotExist();
    }

    @Test
    void a_failed_compile_leaves_no_entry_and_keeps_gccs_status_and_message() throws Exception {
        Files.writeString(dir.resolve("broken.c"), "int answer(void) { return }\n");

        Result result = memo("-c", "broken.c", "-o", "broken.o");

        assertThat(result.status()).isEqualTo(1);
        assertThat(result.stderr()).contains("error");
        assertThat(memo).doesNotExist();
    }

    @Test
    void links_and_other_calls_go_to_gcc_unremembered() throws Exception {
        Files.writeString(dir.resolve("main.c"), "int main(void) { return 0; }\n");
        memo("-o", "main", "main.c");
        memo("-o", "main", "main.c");
        memo("--version");

        assertThat(compiler.calls()).hasSize(3);
        assertThat(memo).doesNotExist();
    }

    record Result(int status, String stderr) {}

    private Result memo(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("/bin/sh", HostModeAgent.sourceDir().resolve("cc-memo.sh").toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
        builder.environment().put("CC_MEMO_DIR", memo.toString());
        builder.environment().put("CC_MEMO_COMPILER", compiler.script().toString());
        Process process = builder.redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(process.waitFor(), stderr);
    }
}
