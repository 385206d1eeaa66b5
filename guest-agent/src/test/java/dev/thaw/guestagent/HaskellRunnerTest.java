package dev.thaw.guestagent;

import static dev.thaw.guestagent.AgentHostModeTest.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.thaw.agent.GuestMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The agent with haskell-runner.ghci as its kept-stdio resident runner, a GHCi session of the
 * host's GHC if it has one (Debian's ghc; the guest's real runs are
 * {@code thaw test-languages --lang haskell}). What a program sees and reports is what the same
 * program compiled with {@code ghc -o main main.hs} sees and reports.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class HaskellRunnerTest extends KeptStdioRunnerContract implements WarmsAgainContract {

    static final Path GHC = Path.of("/usr/lib/ghc/bin/ghc");

    @Override
    KeptStdioRunner start(Path dir) throws Exception {
        assumeTrue(Files.isExecutable(GHC), "needs " + GHC + " (Debian's ghc)");
        String toolchain = HostModeAgent.sourceDir().resolve("ghci-toolchain.sh").toString();
        return KeptStdioRunner.start(dir, List.of(GHC.toString(), "-B/usr/lib/ghc", "--interactive", "-v0",
                "-ignore-dot-ghci", "-fobject-code", "-O0", "-pgma", toolchain, "-pgml", toolchain, "-ghci-script"),
                "haskell-runner.ghci", "main.hs", Duration.ofSeconds(120));
    }

    @Override
    public KeptStdioRunner warmingRunner() {
        return runner;
    }

    @Override
    public String hello() {
        return "main :: IO ()\nmain = putStrLn \"hello\"\n";
    }

    @Override
    String byeThenExit3() {
        return "import System.Exit\nmain :: IO ()\nmain = putStrLn \"bye\" >> exitWith (ExitFailure 3)\n";
    }

    @Override
    String printLast() {
        return "main :: IO ()\nmain = putStr \"last\"\n";
    }

    @Test
    void reads_stdin_and_sees_its_arguments_environment_name_and_directory() {
        GuestMessage.Result result = runner.last("""
                import Data.Char (toUpper)
                import System.Directory (getCurrentDirectory, doesFileExist)
                import System.Environment
                main :: IO ()
                main = do
                  line <- getLine
                  args <- getArgs
                  name <- getProgName
                  foo <- lookupEnv "FOO"
                  home <- getEnv "HOME"
                  here <- getCurrentDirectory
                  source <- doesFileExist "main.hs"
                  putStrLn (unwords [map toUpper line, show args, name, show foo, show (here == home), show source])
                """, "abc\n", List.of("one", "two words"), List.of("FOO=bar"));

        assertThat(text(result.stderr())).isEmpty();
        assertThat(text(result.stdout())).isEqualTo("ABC [\"one\",\"two words\"] main Just \"bar\" True True\n");
        assertThat(result.exitCode()).isZero();
    }

    @Test
    void a_program_that_does_not_compile_gets_ghcs_messages_and_status_1() {
        GuestMessage.Result result = runner.last("main :: IO ()\nmain = putStrLn (1 + True)\n", "", List.of(), List.of());

        assertThat(text(result.stdout())).isEmpty();
        assertThat(text(result.stderr())).startsWith("\nmain.hs:2:18: error:\n").contains("Couldn't match type");
        assertThat(result.exitCode()).isEqualTo(1);
    }

    @Test
    void an_uncaught_exception_is_reported_as_a_compiled_program_reports_it_with_status_1() {
        GuestMessage.Result result = runner.last("main :: IO ()\nmain = putStrLn \"before\" >> error \"boom\"\n", "",
                List.of(), List.of());

        assertThat(text(result.stdout())).isEqualTo("before\n");
        assertThat(text(result.stderr()))
                .isEqualTo("main: boom\nCallStack (from HasCallStack):\n  error, called at main.hs:2:29 in main:Main\n");
        assertThat(result.exitCode()).isEqualTo(1);
    }

    @Test
    void output_is_buffered_as_a_compiled_programs_and_all_of_it_arrives() {
        GuestMessage.Result result = runner.last("main :: IO ()\nmain = mapM_ print [1 .. 15000 :: Int]\n", "",
                List.of(), List.of());

        assertThat(text(result.stdout()).lines()).hasSize(15000).endsWith("15000");
        assertThat(result.exitCode()).isZero();
    }

    @Test
    void a_program_calls_c_and_uses_packages_the_session_loaded_before_it() {
        GuestMessage.Result result = runner.last("""
                import qualified Data.Map as Map
                foreign import ccall unsafe "math.h cos" c_cos :: Double -> Double
                main :: IO ()
                main = print (Map.toList (Map.fromList [(2 :: Int, "b"), (1, "a")]), c_cos 0)
                """, "", List.of(), List.of());

        assertThat(text(result.stderr())).isEmpty();
        assertThat(text(result.stdout())).isEqualTo("([(1,\"a\"),(2,\"b\")],1.0)\n");
    }

    @Test
    void a_module_without_main_fails_with_status_1() {
        GuestMessage.Result result = runner.last("module Helper where\nx :: Int\nx = 1\n", "", List.of(), List.of());

        assertThat(text(result.stderr())).contains("Main.main");
        assertThat(result.exitCode()).isEqualTo(1);
    }
}
