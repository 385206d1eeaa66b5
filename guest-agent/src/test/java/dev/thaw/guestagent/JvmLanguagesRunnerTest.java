package dev.thaw.guestagent;

import static dev.thaw.guestagent.AgentHostModeTest.text;
import static dev.thaw.guestagent.JvmRunnerTest.last;
import static dev.thaw.guestagent.JvmRunnerTest.startRunner;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.thaw.agent.AgentChannel;
import dev.thaw.agent.GuestMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * jvm-runner holding the other JVM languages' toolchains as languages.json configures them:
 * groovy, clojure, kotlin and scala (whose warm-up, a first compile, the agent does not wait
 * for at boot: see PROTOCOL.md, "Resident runner"). Runs where the host has
 * their Debian packages (under {@code thaw.test.jvmRoot}, "/" unless set); the guest's real
 * runs are {@code thaw test-languages}.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class JvmLanguagesRunnerTest {

    static final Path ROOT = Path.of(System.getProperty("thaw.test.jvmRoot", "/"));

    static final List<String> ECHO_ARGS = List.of("one", "two");
    static final List<String> ECHO_ENV = List.of("FOO=bar");

    @TempDir
    Path dir;
    HostModeAgent agent;

    @AfterEach
    void stop() throws Exception {
        if (agent != null) {
            agent.close();
        }
    }

    @Test
    void groovy_runs_a_script_with_its_stdin_arguments_environment_and_working_directory() throws Exception {
        GuestMessage.Result result = last(groovy(), "main.groovy", """
                println System.in.text.toUpperCase() + " " + args.join(",") + " " + System.getenv("FOO") + " " \
                + (new File("x").absolutePath == System.getenv("HOME") + "/x")
                """, "abc", ECHO_ARGS, ECHO_ENV);

        assertThat(text(result.stderr())).isEmpty();
        assertThat(text(result.stdout())).isEqualTo("ABC one,two bar true\n");
        assertThat(result.exitCode()).isZero();
    }

    @Test
    void groovy_reports_a_compile_error_on_stderr_with_status_1() throws Exception {
        GuestMessage.Result result = last(groovy(), "main.groovy", "def x = \n", "", List.of(), List.of());

        assertThat(text(result.stderr())).contains("startup failed:").contains("main.groovy: 2: unexpected token");
        assertThat(result.exitCode()).isEqualTo(1);
    }

    @Test
    void groovy_exits_with_the_scripts_status_and_reports_an_uncaught_exception() throws Exception {
        GuestMessage.Result exit = last(groovy(), "main.groovy", "print 'out'; System.exit(3)", "", List.of(), List.of());
        assertThat(text(exit.stdout())).isEqualTo("out");
        assertThat(exit.exitCode()).isEqualTo(3);
        agent.close();

        GuestMessage.Result thrown = last(groovy(), "main.groovy", "throw new IllegalStateException('boom')", "",
                List.of(), List.of());
        assertThat(text(thrown.stderr())).startsWith("Caught: java.lang.IllegalStateException: boom\n");
        assertThat(thrown.exitCode()).isEqualTo(1);
    }

    @Test
    void clojure_runs_a_script_with_its_stdin_and_arguments() throws Exception {
        GuestMessage.Result result = last(clojure(), "main.clj", """
                (println (clojure.string/upper-case (slurp *in*)) (clojure.string/join "," *command-line-args*) (System/getenv "FOO"))
                """, "abc", ECHO_ARGS, ECHO_ENV);

        assertEchoed(result);
    }

    @Test
    void clojure_reports_an_error_on_stderr_with_status_1_and_loses_unflushed_output_as_clojure_does() throws Exception {
        GuestMessage.Result result = last(clojure(), "main.clj", "(print \"before\") (/ 1 0)", "", List.of(), List.of());

        assertThat(text(result.stdout())).isEmpty(); // as with `clojure` itself: it exits without flushing *out*
        assertThat(text(result.stderr())).contains("Execution error (ArithmeticException)").contains("Divide by zero");
        assertThat(result.exitCode()).isEqualTo(1);
    }

    @Test
    void kotlin_compiles_then_runs_the_jar_with_its_stdin_arguments_and_environment() throws Exception {
        GuestMessage.Result result = last(kotlin(), "main.kt", """
                fun main(args: Array<String>) {
                    println(readLine()!!.toUpperCase() + " " + args.joinToString(",") + " " + System.getenv("FOO"))
                }
                """, "abc", ECHO_ARGS, ECHO_ENV);

        assertEchoed(result);
    }

    @Test
    void kotlin_reports_a_compile_error_on_stderr_with_status_1_and_exit_process_sets_the_status() throws Exception {
        GuestMessage.Result error = last(kotlin(), "main.kt", "fun main() { val x: Int = \"s\" }\n", "", List.of(), List.of());
        // kotlinc names the file relative to the directory it first ran in, the warm-up's, so the
        // path is the working directory's absolute one where `kotlinc main.kt` says main.kt.
        assertThat(text(error.stderr())).contains("/main.kt:1:27: error: type mismatch");
        assertThat(error.exitCode()).isEqualTo(1);
        agent.close();

        GuestMessage.Result exit = last(kotlin(), "main.kt", "fun main() { print(\"out\"); kotlin.system.exitProcess(3) }\n",
                "", List.of(), List.of());
        assertThat(text(exit.stdout())).isEqualTo("out");
        assertThat(exit.exitCode()).isEqualTo(3);
    }

    @Test
    void scala_runs_an_object_with_its_stdin_and_arguments() throws Exception {
        GuestMessage.Result result = last(scala(), "main.scala", """
                object Echo {
                  def main(args: Array[String]): Unit =
                    println(scala.io.StdIn.readLine().toUpperCase + " " + args.mkString(",") + " " + System.getenv("FOO"))
                }
                """, "abc", ECHO_ARGS, ECHO_ENV);

        assertEchoed(result);
    }

    @Test
    void scala_reports_a_compile_error_with_status_1() throws Exception {
        GuestMessage.Result result = last(scala(), "main.scala", "object A { val x: Int = \"s\" }\n", "", List.of(), List.of());

        assertThat(text(result.stderr())).contains("error: type mismatch");
        assertThat(result.exitCode()).isEqualTo(1);
    }

    /** What each language's echo program prints for stdin "abc", arguments one two and FOO=bar. */
    private static void assertEchoed(GuestMessage.Result result) {
        assertThat(text(result.stderr())).isEmpty();
        assertThat(text(result.stdout())).isEqualTo("ABC one,two bar\n");
        assertThat(result.exitCode()).isZero();
    }

    private AgentChannel groovy() throws Exception {
        Path lib = ROOT.resolve("usr/share/groovy/lib");
        assumeTrue(Files.exists(lib.resolve("groovy-2.4.21.jar")), "needs Debian's groovy package at " + lib);
        return start("main.groovy", "println 'hello ' + args.join(' ')\n", List.of("-Djava.class.path=" + lib + "/*"),
                List.of("groovy.ui.GroovyMain", "--classpath", ".", "{file}", "{args}"));
    }

    /** Clojure's jar names spec.alpha's in its manifest by absolute path, so both are listed here. */
    private AgentChannel clojure() throws Exception {
        Path java = ROOT.resolve("usr/share/java");
        assumeTrue(Files.exists(java.resolve("clojure-1.11.jar")), "needs Debian's clojure package at " + java);
        String classPath = java.resolve("clojure-1.11.jar") + ":" + java.resolve("spec.alpha.jar") + ":"
                + java.resolve("core.specs.alpha.jar");
        return start("main.clj", "(println \"hello\" *command-line-args*)\n", List.of("-Djava.class.path=" + classPath),
                List.of("clojure.main", "{file}", "{args}"));
    }

    /**
     * As languages.json has it: the JVM resolves kotlinc/lib/kotlin-compiler.jar through its
     * symbolic link into /usr/share/java, where the libraries its manifest names are not
     * (Debian's trove4j is libtrove-intellij.jar), so they are listed.
     */
    private AgentChannel kotlin() throws Exception {
        Path home = ROOT.resolve("usr/share/kotlin/kotlinc");
        assumeTrue(Files.exists(home.resolve("lib/kotlin-compiler.jar")), "needs Debian's kotlin package at " + home);
        String classPath = String.join(":", List.of("kotlin-compiler.jar", "trove4j.jar", "annotations-13.0.jar",
                "kotlin-stdlib.jar", "kotlin-reflect.jar", "kotlin-script-runtime.jar").stream()
                .map(jar -> home.resolve("lib").resolve(jar).toString()).toList());
        return start("main.kt", "fun main(args: Array<String>) { println(\"hello \" + args.size) }\n",
                List.of("-Djava.class.path=" + classPath, "-Dkotlin.home=" + home, "-Djava.awt.headless=true"),
                List.of("org.jetbrains.kotlin.cli.jvm.K2JVMCompiler", "-nowarn", "main.kt", "-d", "main.jar",
                        "--", "-jar", "main.jar", "{args}"));
    }

    private AgentChannel scala() throws Exception {
        Path home = ROOT.resolve("usr/share/scala-2.11");
        assumeTrue(Files.exists(home.resolve("lib/scala-compiler.jar")), "needs Debian's scala package at " + home);
        return start("main.scala", "object Hello { def main(args: Array[String]): Unit = println(\"hello\") }\n",
                List.of("-Djava.class.path=" + home + "/lib/*", "-Dscala.home=" + home, "-Dscala.usejavacp=true"),
                List.of("scala.tools.nsc.MainGenericRunner", "-nc", "{file}", "{args}"));
    }

    private AgentChannel start(String name, String warmUp, List<String> options, List<String> step)
            throws Exception {
        agent = startRunner(Files.createTempDirectory(dir, "agent"), name, warmUp, options, step);
        return agent.channel();
    }
}
