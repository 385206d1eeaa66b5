package dev.thaw.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Standby VMMs with real QEMU processes: a restore takes the one the last sandbox's close
 * started, and never one whose snapshot changed or whose process died.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StandbyVmmTest {

    @TempDir
    static Path home;

    static ThawRuntime runtime;

    @BeforeAll
    static void makeSnapshot() {
        ThawHome shared = ThawHome.resolve(null);
        runtime = new ThawRuntime(RuntimeOptions.defaults(new ThawHome(home, shared.images())).withStandbyVmms(1));
        runtime.createSnapshot("sh", null, false);
    }

    @AfterAll
    static void closingTheRuntimeStopsItsStandbys() throws InterruptedException {
        runtime.close();
        awaitNoStandby();
        assertThat(TestRuntimes.liveChildren()).isZero();
    }

    @Test
    @Order(1)
    void the_second_restore_takes_the_standby_the_first_sandbox_left() {
        RunResult first = run("echo one");
        RunResult second = run("echo two");

        assertThat(text(first.stdout())).isEqualTo("one\n");
        assertThat(first.timings().asMap()).containsKey("vmm");
        assertThat(text(second.stdout())).isEqualTo("two\n");
        assertThat(second.mode()).isEqualTo("restore");
        assertThat(second.timings().asMap()).doesNotContainKey("vmm").containsKeys("restore", "exec");
    }

    @Test
    @Order(2)
    void a_standby_whose_process_died_is_passed_over() throws InterruptedException {
        run("echo leaves a standby");
        ProcessHandle standby = awaitStandby();
        standby.destroyForcibly();
        standby.onExit().join();

        RunResult result = run("echo after");

        assertThat(text(result.stdout())).isEqualTo("after\n");
        assertThat(result.timings().asMap()).containsKey("vmm");
    }

    @Test
    @Order(3)
    void a_standby_for_a_snapshot_made_again_is_stopped_not_used() throws InterruptedException {
        run("echo leaves a standby");
        ProcessHandle stale = awaitStandby();

        runtime.createSnapshot("sh", null, true);
        RunResult result = run("echo fresh");

        assertThat(text(result.stdout())).isEqualTo("fresh\n");
        assertThat(result.timings().asMap()).containsKey("vmm");
        assertThat(stale.onExit()).succeedsWithin(Duration.ofSeconds(10));
    }

    private static RunResult run(String code) {
        RunResult result = runtime.run(RunRequest.of("sh", code));
        assertThat(result.exitCode()).as("exit code of %s", code).isZero();
        return result;
    }

    /** The QEMU of this home that waits for its device state: the standby. */
    private static ProcessHandle awaitStandby() throws InterruptedException {
        for (int i = 0; i < 300; i++) {
            List<ProcessHandle> standbys = standbys();
            if (!standbys.isEmpty()) {
                return standbys.getFirst();
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no standby VMM started within 15 s");
    }

    private static void awaitNoStandby() throws InterruptedException {
        for (int i = 0; i < 200 && !standbys().isEmpty(); i++) {
            Thread.sleep(50);
        }
        assertThat(standbys()).isEmpty();
    }

    private static List<ProcessHandle> standbys() {
        return ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)
                .filter(p -> p.info().commandLine().orElse("").contains("-incoming defer"))
                .filter(p -> p.info().commandLine().orElse("").contains(home.toString()))
                .toList();
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
