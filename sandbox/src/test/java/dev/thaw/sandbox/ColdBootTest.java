package dev.thaw.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real guest booted from its kernel, no snapshot involved. */
class ColdBootTest {

    @TempDir
    static Path home;

    @AfterAll
    static void noVmOutlivesTheTests() {
        assertThat(TestRuntimes.liveChildren()).isZero();
    }

    @Test
    void cold_boot_runs_python_code() {
        ThawRuntime runtime = TestRuntimes.inHome(home);

        RunResult result = runtime.run(RunRequest.of("python", "import sys\nprint(sys.version_info[0] * 14)").withCold(true));

        assertThat(new String(result.stdout(), StandardCharsets.UTF_8)).isEqualTo("42\n");
        assertThat(result.mode()).isEqualTo("cold");
        assertThat(result.timings().asMap()).containsKeys("boot", "ready", "exec");
        assertThat(runtime.snapshots()).isEmpty();
    }
}
