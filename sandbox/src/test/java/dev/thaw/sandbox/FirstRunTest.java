package dev.thaw.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.thaw.images.BuildProgress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Concurrent first runs of a language whose snapshot does not exist yet; real VMs. */
class FirstRunTest {

    @TempDir
    Path home;

    @Test
    void concurrent_first_runs_make_the_language_snapshot_once_and_all_succeed() throws Exception {
        List<String> steps = Collections.synchronizedList(new ArrayList<>());
        BuildProgress recording = new BuildProgress() {
            @Override
            public void step(String name) {
                steps.add(name);
            }
        };
        ThawHome shared = ThawHome.resolve(null);
        ThawRuntime runtime = new ThawRuntime(RuntimeOptions.defaults(new ThawHome(home, shared.images()))
                .withProgress(recording));

        List<Future<RunResult>> runs = new ArrayList<>();
        try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 3; i++) {
                runs.add(executor.submit(() -> runtime.run(RunRequest.of("sh", "echo ok"))));
            }
        }

        for (Future<RunResult> run : runs) {
            assertThat(new String(run.get().stdout(), StandardCharsets.UTF_8)).isEqualTo("ok\n");
        }
        assertThat(steps.stream().filter(s -> s.contains(": booting"))).hasSize(1);
        assertThat(TestRuntimes.liveChildren()).isZero();
    }
}
