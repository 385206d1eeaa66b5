package dev.thaw.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.thaw.cli.Launcher.Outcome;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** End to end through the {@code ./thaw} launcher (see {@link Launcher}). */
class ThawLauncherIT {

    @TempDir
    static Path home;

    @Test
    void run_prints_the_programs_output_and_exits_with_its_status() throws Exception {
        Outcome first = thaw("run", "--lang", "python", "--code", "print(6*7)");
        Outcome failing = thaw("run", "--lang", "python", "--code", "import sys; print('bye', file=sys.stderr); sys.exit(7)");

        assertThat(first.stdout()).isEqualTo("42\n");
        assertThat(first.exit()).isZero();
        assertThat(failing.exit()).isEqualTo(7);
        assertThat(failing.stdout()).isEmpty();
        assertThat(failing.stderr()).contains("bye\n");
    }

    @Test
    void piped_stdin_reaches_the_program() throws Exception {
        Outcome outcome = thawWithInput("from a pipe\n".getBytes(StandardCharsets.UTF_8),
                "run", "--lang", "python", "--code", "import sys; print(sys.stdin.read().upper(), end='')");

        assertThat(outcome.stdout()).isEqualTo("FROM A PIPE\n");
        assertThat(outcome.exit()).isZero();
    }

    @Test
    void json_output_has_the_result_mode_and_timings() throws Exception {
        Outcome outcome = thaw("run", "--lang", "sh", "--code", "echo out; echo err >&2; exit 3", "--json");

        JsonNode json = new ObjectMapper().readTree(outcome.stdout());
        assertThat(outcome.exit()).isEqualTo(3);
        assertThat(json.get("stdout").asText()).isEqualTo("out\n");
        assertThat(json.get("stderr").asText()).isEqualTo("err\n");
        assertThat(json.get("exit_code").asInt()).isEqualTo(3);
        assertThat(json.get("mode").asText()).isEqualTo("restore");
        assertThat(json.get("timings").has("total")).isTrue();
    }

    @Test
    void cold_run_reports_its_mode_in_timings() throws Exception {
        Outcome outcome = thaw("run", "--lang", "sh", "--code", "echo cold", "--cold", "--timings");

        assertThat(outcome.stdout()).isEqualTo("cold\n");
        assertThat(outcome.stderr()).contains("mode cold");
    }

    @Test
    void a_run_saved_as_a_diff_snapshot_restores_with_its_changes_and_squashes_into_a_full_one() throws Exception {
        Outcome saved = thaw("run", "--lang", "sh", "--code", "echo kept > /tmp/kept", "--save-as", "mine");
        Outcome restored = thaw("run", "--lang", "sh", "--snapshot", "mine", "--code", "cat /tmp/kept");
        Outcome squashed = thaw("snapshot", "squash", "mine", "--as", "whole");
        Outcome fromWhole = thaw("run", "--lang", "sh", "--snapshot", "whole", "--code", "cat /tmp/kept");
        Outcome otherLanguage = thaw("run", "--lang", "bash", "--snapshot", "whole", "--code", "cat /tmp/kept");

        assertThat(saved.stderr()).contains("saved diff snapshot mine of sh");
        assertThat(restored.stdout()).isEqualTo("kept\n");
        assertThat(squashed.stdout()).contains("squashed mine into full snapshot whole");
        assertThat(fromWhole.stdout()).isEqualTo("kept\n");
        assertThat(otherLanguage.exit()).isEqualTo(2);
        assertThat(otherLanguage.stderr()).contains("snapshot 'whole' holds a sh sandbox, not bash; run it with --lang sh");
    }

    @Test
    void building_an_image_makes_its_snapshot() throws Exception {
        Outcome built = thaw("image", "build", "--lang", "sh");

        assertThat(built.exit()).isZero();
        assertThat(built.stdout()).contains("sh: snapshot sh (");
        assertThat(home.resolve("snapshots").resolve("sh").resolve("manifest.json")).exists();
    }

    @Test
    void run_file_guesses_the_language_from_the_extension() throws Exception {
        Path script = Files.writeString(home.resolve("hello.sh"), "echo \"from $0\"\n");
        Path notes = Files.writeString(home.resolve("notes.txt"), "x\n");

        Outcome outcome = thaw("run", "--file", script.toString());
        Outcome unknown = thaw("run", "--file", notes.toString());

        assertThat(outcome.exit()).isZero();
        assertThat(outcome.stdout()).startsWith("from ").endsWith("main.sh\n");
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.stderr()).contains("cannot tell the language of notes.txt", "--lang");
    }

    @Test
    void languages_lists_every_language_with_its_version_and_snapshot_state() throws Exception {
        thaw("snapshot", "create", "--lang", "sh", "--replace");

        Outcome outcome = thaw("languages");

        assertThat(outcome.exit()).isZero();
        List<String> rows = outcome.stdout().lines().toList();
        assertThat(rows).hasSize(1 + 55 + 1);
        assertThat(rows).anySatisfy(row -> assertThat(row).startsWith("sh ").contains("dash", "0.5.12").contains("MiB"));
        assertThat(rows).anySatisfy(row -> assertThat(row).startsWith("kotlin ").contains("kt", "1.3.31"));
        assertThat(rows.getLast()).startsWith("images and snapshots on disk in all: ");
    }

    @Test
    void unknown_language_exits_2_and_lists_the_known_ones() throws Exception {
        Outcome outcome = thaw("run", "--lang", "klingon", "--code", "x");

        assertThat(outcome.exit()).isEqualTo(2);
        assertThat(outcome.stderr()).contains("unknown language 'klingon'", "python", "sh");
    }

    @Test
    void timed_out_program_exits_124_and_says_so() throws Exception {
        Outcome outcome = thaw("run", "--lang", "sh", "--code", "echo start; sleep 60", "--timeout", "1s");

        assertThat(outcome.exit()).isEqualTo(124);
        assertThat(outcome.stdout()).isEqualTo("start\n");
        assertThat(outcome.stderr()).contains("killed after its timeout");
    }

    @Test
    void interrupt_with_ctrl_c_leaves_no_vm_behind() throws Exception {
        thaw("snapshot", "create", "--lang", "sh", "--replace");
        Process run = start("run", "--lang", "sh", "--code", "sleep 60", "--timeout", "90s");
        run.getOutputStream().close();
        awaitVm();

        new ProcessBuilder("kill", "-INT", Long.toString(run.pid())).start().waitFor();

        assertThat(run.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(vmsOfThisHome()).isEmpty();
    }

    @Test
    void kill_9_of_thaw_takes_its_vm_down_too() throws Exception {
        thaw("snapshot", "create", "--lang", "sh", "--replace");
        Process run = start("run", "--lang", "sh", "--code", "sleep 60", "--timeout", "90s");
        run.getOutputStream().close();
        awaitVm();

        run.destroyForcibly().waitFor();

        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!vmsOfThisHome().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(vmsOfThisHome()).isEmpty();
    }

    private static Outcome thaw(String... args) throws Exception {
        return new Launcher(home).run(args);
    }

    private static Outcome thawWithInput(byte[] input, String... args) throws Exception {
        return new Launcher(home).runWithInput(input, args);
    }

    private static Process start(String... args) throws IOException {
        return new Launcher(home).start(args);
    }

    private static void awaitVm() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (vmsOfThisHome().isEmpty()) {
            assertThat(System.nanoTime()).as("a VM started").isLessThan(deadline);
            Thread.sleep(100);
        }
        Thread.sleep(2000); // let the program start inside the guest
    }

    private static List<ProcessHandle> vmsOfThisHome() {
        return new Launcher(home).vms();
    }
}
