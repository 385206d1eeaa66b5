package dev.thaw.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real QEMU guests restored from one python snapshot made once for the class. */
class SnapshotRestoreTest {

    @TempDir
    static Path home;

    static ThawRuntime runtime;

    @BeforeAll
    static void makeSnapshot() {
        runtime = TestRuntimes.inHome(home);
        runtime.createSnapshot("python", null, false);
    }

    @AfterAll
    static void noVmOutlivesTheTests() {
        assertThat(TestRuntimes.liveChildren()).isZero();
    }

    @Test
    void restored_python_prints_from_its_resident_interpreter() {
        RunResult result = runtime.run(RunRequest.of("python", "print(6*7)"));

        assertThat(text(result.stdout())).isEqualTo("42\n");
        assertThat(result.exitCode()).isZero();
        assertThat(result.mode()).isEqualTo("restore");
        assertThat(result.timings().asMap()).containsKeys("restore", "exec", "program", "total");
    }

    @Test
    void a_running_sandbox_pins_the_snapshot_it_maps_until_it_stops() throws Exception {
        try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<RunResult> slow = executor.submit(() -> runtime.run(RunRequest.of("python",
                    "import time\nprint('up', flush=True)\ntime.sleep(3)")));
            boolean pinnedWhileRunning = false;
            for (int i = 0; i < 100 && !slow.isDone() && !pinnedWhileRunning; i++) {
                pinnedWhileRunning = runtime.pinnedSnapshots().contains("python");
                Thread.sleep(50);
            }
            slow.get();
            assertThat(pinnedWhileRunning).isTrue();
        }
        assertThat(runtime.pinnedSnapshots()).doesNotContain("python");
    }

    @Test
    void program_gets_stdin_env_and_its_exit_code_comes_back() {
        String code = "import os,sys\nprint(sys.stdin.read().upper(), os.environ['GREETING'])\n"
                + "print('oops', file=sys.stderr)\nsys.exit(3)";
        RunRequest request = new RunRequest("python", bytes(code), bytes("hi"), Map.of("GREETING", "hello"),
                null, RunRequest.DEFAULT_OUTPUT_CAP, false, null);

        RunResult result = runtime.run(request);

        assertThat(text(result.stdout())).isEqualTo("HI hello\n");
        assertThat(text(result.stderr())).isEqualTo("oops\n");
        assertThat(result.exitCode()).isEqualTo(3);
    }

    @Test
    void program_as_the_sandbox_user_can_open_dev_stdin() {
        RunRequest request = new RunRequest("python", bytes("print(open('/dev/stdin').read().upper())"),
                bytes("piped"), Map.of(), null, RunRequest.DEFAULT_OUTPUT_CAP, false, null);

        RunResult result = runtime.run(request);

        assertThat(text(result.stderr())).isEmpty();
        assertThat(text(result.stdout())).isEqualTo("PIPED\n");
    }

    @Test
    void uncaught_exception_gives_traceback_and_exit_1() {
        RunResult result = runtime.run(RunRequest.of("python", "raise ValueError('bad')"));

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(text(result.stderr())).contains("Traceback", "ValueError: bad");
    }

    @Test
    void program_over_its_timeout_is_killed_and_reported() {
        RunRequest request = new RunRequest("python", bytes("import time\nprint('start', flush=True)\ntime.sleep(60)"),
                null, null, Duration.ofSeconds(2), RunRequest.DEFAULT_OUTPUT_CAP, false, null);

        RunResult result = runtime.run(request);

        assertThat(result.timedOut()).isTrue();
        assertThat(text(result.stdout())).isEqualTo("start\n");
    }

    @Test
    void output_over_the_cap_is_truncated_and_reported() {
        RunRequest request = new RunRequest("python", bytes("import sys\nsys.stdout.write('x' * 5_000_000)"),
                null, null, null, 1000, false, null);

        RunResult result = runtime.run(request);

        assertThat(result.stdout()).hasSize(1000);
        assertThat(result.stdoutTruncated()).isTrue();
        assertThat(result.exitCode()).isZero();
    }

    @Test
    void three_concurrent_clones_each_see_only_their_own_disk_writes() throws Exception {
        String code = "import glob,os\nopen('/tmp/mark-' + os.urandom(8).hex(), 'w').write('x')\n"
                + "print(len(glob.glob('/tmp/mark-*')))";
        List<RunResult> results = concurrently(3, () -> runtime.run(RunRequest.of("python", code)));

        assertThat(results).allSatisfy(r -> assertThat(text(r.stdout())).isEqualTo("1\n"));
    }

    @Test
    void program_writes_in_a_fresh_working_directory_held_in_memory() {
        String code = "import os\nprint(os.getcwd())\n"
                + "print([line.split()[2] for line in open('/proc/self/mounts') if line.split()[1] == '/tmp/thaw'])\n"
                + "open('out.bin', 'wb').write(bytes(4 << 20))\nprint(os.listdir('.'))";

        RunResult result = runtime.run(RunRequest.of("python", code));

        assertThat(text(result.stdout())).matches("/tmp/thaw/run-\\d+\n\\['tmpfs'\\]\n.*'out.bin'.*\n");
        assertThat(result.exitCode()).isZero();
    }

    @Test
    void clones_of_one_snapshot_draw_different_random_numbers() throws Exception {
        String code = "import os,random\nprint(os.urandom(16).hex(), random.getrandbits(64))";
        List<RunResult> results = concurrently(3, () -> runtime.run(RunRequest.of("python", code)));

        List<String> urandom = results.stream().map(r -> text(r.stdout()).split(" ")[0]).toList();
        List<String> pyRandom = results.stream().map(r -> text(r.stdout()).split(" ")[1].trim()).toList();
        assertThat(urandom).doesNotHaveDuplicates().hasSize(3);
        assertThat(pyRandom).doesNotHaveDuplicates().hasSize(3);
    }

    @Test
    void guest_clock_is_set_to_the_hosts_time_after_restore() {
        RunResult result = runtime.run(RunRequest.of("python", "import time\nprint(int(time.time()))"));

        long guestSeconds = Long.parseLong(text(result.stdout()).trim());
        assertThat(guestSeconds).isBetween(System.currentTimeMillis() / 1000 - 30, System.currentTimeMillis() / 1000 + 30);
    }

    @Test
    void clones_never_modify_the_snapshot() {
        runtime.run(RunRequest.of("python", "open('/tmp/change', 'w').write('x' * 100000)"));

        assertThat(runtime.verifySnapshot("python").ok()).isTrue();
    }

    @Test
    void shell_runs_from_its_own_snapshot() {
        RunResult result = runtime.run(RunRequest.of("sh", "echo $((6*7)); exit 5"));

        assertThat(text(result.stdout())).isEqualTo("42\n");
        assertThat(result.exitCode()).isEqualTo(5);
    }

    static <T> List<T> concurrently(int n, Callable<T> task) throws Exception {
        try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<T>> futures = executor.invokeAll(java.util.Collections.nCopies(n, task));
            var out = new java.util.ArrayList<T>();
            for (Future<T> f : futures) {
                out.add(f.get());
            }
            return out;
        }
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
