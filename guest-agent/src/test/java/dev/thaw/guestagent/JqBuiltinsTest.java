package dev.thaw.guestagent;

import static dev.thaw.guestagent.AgentHostModeTest.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.thaw.agent.GuestMessage;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * jq as languages.json starts it: the host's jq stopped before main() by premain.so, with
 * jq-builtins.so beside it, whose warm-up learnt jq's builtins before READY. Each program's
 * output, errors and status must be those of the plain command, and its bytecode the same;
 * and the run's compile must really handle only the builtins it reaches, which callgrind
 * counts.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class JqBuiltinsTest {

    static final Path JQ = Path.of("/usr/bin/jq");
    static final String INPUT = "{\"a\":[1,2,{\"b\":null}],\"s\":\"x,y\"}\n[3,1,2]\n";

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {
        ".",
        ".a? | map(tostring) | join(\",\")",
        "def twice: . * 2; [paths] | length | twice",
        "[builtins] | length",
        "input_filename, $__loc__, (try error(\"boom\") catch .)",
        "if type == \"array\" then sort | @csv else (.s | split(\",\") | walk(ascii_upcase)) end",
        "error(\"uncaught\")",
        "nosuch(1)",
        "include \"nowhere\"; .",
        ". as [$x] | $x",
        "[..] | length, (.a? |= 3), -(1), (label $out | 1, break $out), \"\\(.s? // 1)\"",
        "def map(f): 1; def outer: def inner: map(.); inner; outer, ([1] | map_values(. + 1))",
        "\"walk\" as $w | [tostream] | fromstream(.[]) | to_entries? // $w",
        "# a comment that names splits\n.s? // \"a,b\" | [splits(\",\")]",
    })
    void a_program_behaves_as_under_the_plain_command(String program) throws Exception {
        assumeTrue(Files.isExecutable(JQ), "needs " + JQ);
        GuestMessage.Result preloaded;
        try (KeptStdioRunner runner = KeptStdioRunner.startCommand(dir, SharedLibraryCompiler.premainCommand(
                dir.resolve("lib"), "jq-builtins.so", List.of(JQ.toString(), "-f", "{file}")), "main.jq")) {
            preloaded = runner.last(program, INPUT, List.of(), List.of());
        }
        Plain plain = plain(program);

        assertThat(text(preloaded.stdout())).isEqualTo(plain.stdout());
        assertThat(text(preloaded.stderr())).isEqualTo(plain.stderr().replace(plain.file(), "main.jq"));
        assertThat(preloaded.exitCode()).isEqualTo(plain.status());
    }

    /**
     * Instructions inside jq's compile of {@code jq -n 1}, with and without the pruning.
     * callgrind counts the same for the same binary and input on any load.
     */
    @Test
    void the_runs_compile_handles_only_the_builtins_it_reaches() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/valgrind")), "needs valgrind");
        assumeTrue(Files.isExecutable(JQ), "needs " + JQ);
        long plain = compileInstructions(List.of());
        long pruned = compileInstructions(warmedUpLibraries());

        // jq 1.6's 171 million instructions here, about 13 million with the builtins pruned.
        assertThat(pruned).isLessThan(plain / 5);
    }

    /** The compiled program, as jq prints it, is the same from the pruned builtins. */
    @ParameterizedTest
    @ValueSource(strings = {"1", "[paths] | length", "walk(.) | .a |= 3", "to_entries | from_entries",
        "[limit(3; .[])] | tostream", "sub(\"a\"; \"b\") | ascii_downcase | @base64", "label $f | 1, break $f | -."})
    void a_program_compiles_to_the_same_bytecode(String program) throws Exception {
        assumeTrue(Files.isExecutable(JQ), "needs " + JQ);
        List<String> pruned = new ArrayList<>(List.of("/usr/bin/env",
                "LD_PRELOAD=" + String.join(" ", warmedUpLibraries().stream().map(Path::toString).toList())));
        pruned.addAll(List.of(JQ.toString(), "-n", "--debug-dump-disasm", program));

        assertThat(output(pruned)).isEqualTo(output(List.of(JQ.toString(), "-n", "--debug-dump-disasm", program)));
    }

    private static String output(List<String> command) throws Exception {
        Process jq = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        String out = new String(jq.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        jq.waitFor();
        return out;
    }

    /** jq-builtins.so and a small library that stands in for premain.so by calling its warm-up from a constructor. */
    private List<Path> warmedUpLibraries() throws Exception {
        Path warmUp = dir.resolve("warm-up.so");
        if (!Files.exists(warmUp)) {
            Path warmUpSource = Files.writeString(dir.resolve("warm-up.c"), """
                    #include <dlfcn.h>
                    __attribute__((constructor)) static void warm_up(void) {
                        void (*hook)(void) = (void (*)(void))dlsym(RTLD_DEFAULT, "thaw_premain_warm_up");
                        if (hook) hook();
                    }
                    """);
            SharedLibraryCompiler.compile(warmUp, warmUpSource);
        }
        return List.of(SharedLibraryCompiler.guestLibrary(dir.resolve("lib"), "jq-builtins.so"), warmUp);
    }

    private long compileInstructions(List<Path> preload) throws Exception {
        List<String> command = new ArrayList<>(List.of("valgrind", "--tool=callgrind", "--trace-children=yes",
                "--callgrind-out-file=" + dir.resolve("callgrind.%p"), "--collect-atstart=no",
                // The warm-up's jq_compile calls jq_compile_args: the nested toggle leaves it out.
                "--toggle-collect=jq_compile", "--toggle-collect=jq_compile_args", "/usr/bin/env"));
        if (!preload.isEmpty()) {
            command.add("LD_PRELOAD=" + String.join(" ", preload.stream().map(Path::toString).toList()));
        }
        command.addAll(List.of(JQ.toString(), "-n", "1"));
        Process valgrind = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(valgrind.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(valgrind.waitFor()).as(out).isZero();
        Matcher collected = Pattern.compile("Collected : (\\d+)").matcher(out);
        long last = -1;
        while (collected.find()) {
            last = Long.parseLong(collected.group(1)); // env's count comes first, then jq's
        }
        assertThat(last).as(out).isPositive();
        return last;
    }

    record Plain(String stdout, String stderr, int status, String file) {}

    private Plain plain(String program) throws Exception {
        Path work = Files.createDirectories(dir.resolve("plain"));
        Path file = Files.writeString(work.resolve("main.jq"), program);
        // stdin from a file: jq may exit (a compile error) before a pipe could be written to
        Path input = Files.writeString(work.resolve("input.json"), INPUT);
        Process jq = new ProcessBuilder(JQ.toString(), "-f", file.toString()).directory(work.toFile())
                .redirectInput(input.toFile()).start();
        String stdout = new String(jq.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String stderr = new String(jq.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Plain(stdout, stderr, jq.waitFor(), file.toString());
    }
}
