package dev.thaw.guestagent;

import static dev.thaw.guestagent.AgentHostModeTest.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.thaw.agent.AgentChannel;
import dev.thaw.agent.GuestMessage;
import dev.thaw.agent.HostMessage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent with jvm-runner.c as its resident runner, on the host's default JDK (the one
 * {@code /usr/bin/java} resolves to, as in the guest). Each test's last program ends the
 * runner, so every test starts its own agent.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class JvmRunnerTest {

    static final Path JAVA = Path.of("/usr/bin/java");
    static final String WARM_UP = """
            public class Main {
                public static void main(String[] args) { System.out.println("hello " + String.join(" ", args)); }
            }
            """;
    static final String HELLO = "public class Main { public static void main(String[] a) { System.out.println(\"hello\"); } }";

    @TempDir
    Path dir;
    HostModeAgent agent;
    AgentChannel channel;

    @BeforeEach
    void start() throws Exception {
        assumeTrue(Files.isExecutable(JAVA.toRealPath().resolveSibling("javac")), "needs a JDK at " + JAVA);
        agent = startRunner(dir, "Main.java", WARM_UP, List.of(), List.of("com.sun.tools.javac.launcher.Main", "{file}", "{args}"));
        channel = agent.channel();
    }

    /**
     * The agent with jvm-runner as its resident runner in {@code dir/root}: {@code warmUp}
     * written to {@code /opt/thaw/warm-up/<name>}, the JVM options java's entry has plus
     * {@code options}, and {@code step} as the one step that runs a program.
     */
    static HostModeAgent startRunner(Path dir, String name, String warmUp, List<String> options, List<String> step)
            throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        Path runner = Files.createDirectories(root.resolve("opt/thaw")).resolve("jvm-runner");
        compile(runner);
        Path warmUpFile = Files.createDirectories(root.resolve("opt/thaw/warm-up")).resolve(name);
        Files.writeString(warmUpFile, warmUp);
        List<String> argv = new ArrayList<>(List.of(runner.toString(), "--warm-up", warmUpFile.toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:-UsePerfData"));
        argv.addAll(options);
        argv.add("--");
        argv.addAll(step);
        return HostModeAgent.withResident(root, argv, Duration.ofSeconds(60));
    }

    @AfterEach
    void stop() throws Exception {
        if (agent != null) {
            agent.close();
        }
    }

    @Test
    void warm_runs_the_warm_up_again_in_the_runners_jvm_which_still_serves_the_last_program() {
        HostMessage.Warm warm = new HostMessage.Warm(60_000);

        assertThat(channel.warmResident(warm, Duration.ofSeconds(90)).exitCode()).isZero();
        assertThat(channel.warmResident(warm, Duration.ofSeconds(90)).stdout()).isEmpty();
        assertThat(text(last(HELLO, "", List.of()).stdout())).isEqualTo("hello\n");
    }

    @Test
    void prints_hello() {
        GuestMessage.Result result = last(HELLO, "", List.of());

        assertThat(text(result.stdout())).isEqualTo("hello\n");
        assertThat(text(result.stderr())).isEmpty();
        assertThat(result.exitCode()).isZero();
    }

    @Test
    void echoes_stdin_and_sees_its_arguments_environment_and_working_directory() {
        GuestMessage.Result result = channel.run(new HostMessage.Run(true, true, 30_000, 10_000, "Main.java", code("""
                import java.nio.file.Path;
                public class Main {
                    public static void main(String[] a) throws Exception {
                        String in = new String(System.in.readAllBytes());
                        String dir = System.getProperty("user.dir");
                        System.out.println(in.toUpperCase() + " " + String.join(",", a) + " " + System.getenv("FOO")
                                + " " + dir.equals(System.getenv("HOME")) + " " + new java.io.File("x").getAbsolutePath().equals(dir + "/x")
                                + " " + Path.of("y").toAbsolutePath().equals(Path.of(dir, "y")) + " " + new java.io.File("Main.java").exists());
                    }
                }
                """), "abc".getBytes(), List.of("one", "two"), List.of("FOO=bar")),
                Duration.ofSeconds(40));

        assertThat(text(result.stderr())).isEmpty();
        assertThat(text(result.stdout())).isEqualTo("ABC one,two bar true true true true\n");
    }

    @Test
    void system_exit_sets_the_exit_code_and_output_without_a_newline_is_kept() {
        GuestMessage.Result result = last("""
                public class Main { public static void main(String[] a) {
                    System.out.print("out"); System.err.print("err"); System.exit(3); } }
                """, "", List.of());

        assertThat(result.exitCode()).isEqualTo(3);
        assertThat(text(result.stdout())).isEqualTo("out");
        assertThat(text(result.stderr())).isEqualTo("err");
    }

    @Test
    void output_without_a_newline_is_kept_when_main_returns() {
        GuestMessage.Result result = last("public class Main { public static void main(String[] a) { System.out.print(42); } }",
                "", List.of());

        assertThat(text(result.stdout())).isEqualTo("42");
        assertThat(result.exitCode()).isZero();
    }

    @Test
    void a_compile_error_goes_to_stderr_with_exit_status_1() {
        GuestMessage.Result result = last("public class Main { public static void main(String[] a) { int x = \"s\"; } }",
                "", List.of());

        assertThat(text(result.stderr())).contains("Main.java:1: error: incompatible types")
                .endsWith("error: compilation failed\n");
        assertThat(text(result.stdout())).isEmpty();
        assertThat(result.exitCode()).isEqualTo(1);
    }

    @Test
    void an_uncaught_exception_prints_its_stack_trace_and_exits_1() {
        GuestMessage.Result result = last("""
                public class Main { public static void main(String[] a) {
                    System.out.print("before"); throw new IllegalStateException("boom"); } }
                """, "", List.of());

        assertThat(text(result.stdout())).isEqualTo("before");
        assertThat(text(result.stderr())).startsWith("Exception in thread \"main\" java.lang.IllegalStateException: boom\n")
                .contains("at Main.main(Main.java:2)");
        assertThat(result.exitCode()).isEqualTo(1);
    }

    @Test
    void the_program_ends_after_its_other_threads_and_shutdown_hooks() {
        GuestMessage.Result result = last("""
                public class Main { public static void main(String[] a) {
                    Runtime.getRuntime().addShutdownHook(new Thread(() -> System.out.print(" hook")));
                    new Thread(() -> { try { Thread.sleep(300); } catch (InterruptedException e) { }
                        System.out.print("late"); }).start(); } }
                """, "", List.of());

        assertThat(text(result.stdout())).isEqualTo("late hook");
        assertThat(result.exitCode()).isZero();
    }

    @Test
    void a_run_that_is_not_the_guests_last_is_refused_and_the_runner_still_serves_the_last() {
        assertThatThrownBy(() -> channel.run(new HostMessage.Run(true, false, 30_000, 10_000, "Main.java", code(HELLO),
                new byte[0], List.of(), List.of()), Duration.ofSeconds(40)))
                .hasMessageContaining("runs only a guest's last program");

        assertThat(text(last(HELLO, "", List.of()).stdout())).isEqualTo("hello\n");
    }

    private GuestMessage.Result last(String java, String stdin, List<String> env) {
        return last(channel, "Main.java", java, stdin, List.of(), env);
    }

    /** The guest's last program, {@code code} saved as {@code file}, run with {@code args} (a resident RUN carries them alone). */
    static GuestMessage.Result last(AgentChannel channel, String file, String code, String stdin, List<String> args,
            List<String> env) {
        return channel.run(new HostMessage.Run(true, true, 30_000, 10_000, file, code(code),
                stdin.getBytes(StandardCharsets.UTF_8), args, env), Duration.ofSeconds(40));
    }

    private static byte[] code(String java) {
        return java.getBytes(StandardCharsets.UTF_8);
    }

    /** As the image builder compiles it (GuestProgram), against this JDK's jni.h. */
    private static void compile(Path output) throws IOException, InterruptedException {
        Path include = Path.of(System.getProperty("java.home"), "include");
        List<String> command = List.of("gcc", "-O2", "-Wall", "-Wextra", "-Werror", "-I" + include,
                "-I" + include.resolve("linux"), "-o", output.toString(),
                HostModeAgent.sourceDir().resolve("jvm-runner.c").toString(), "-ldl", "-lpthread");
        Process gcc = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(gcc.getInputStream().readAllBytes());
        if (gcc.waitFor() != 0) {
            throw new UncheckedIOException(new IOException("gcc failed: " + command + "\n" + out));
        }
    }
}
