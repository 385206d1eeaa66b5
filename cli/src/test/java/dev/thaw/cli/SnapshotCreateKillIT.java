package dev.thaw.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.thaw.cli.Launcher.Outcome;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code kill -9} of {@code thaw snapshot create --lang python} at several moments leaves
 * either no snapshot or a whole one that verifies, no VM, and leftovers (staging and run
 * directories) that the next start of Thaw removes. The moments are what an outsider sees:
 * the progress lines on stderr, the staging directory, the clock; Thaw has no test hooks.
 */
class SnapshotCreateKillIT {

    private static final String ID = "victim";
    private static final String PUBLISHING = "publishing";

    @TempDir
    Path home;

    /** What the create has shown so far. */
    record Seen(String stderr, Optional<Path> staging, boolean published, Duration elapsed) {}

    /** @param mayMiss a fixed delay may come after a fast create has finished; then there is nothing to kill */
    record Moment(String name, Predicate<Seen> reached, boolean mayMiss) {
        Moment(String name, Predicate<Seen> reached) {
            this(name, reached, false);
        }

        static Moment progress(String line) {
            return new Moment("stderr shows '" + line + "'", seen -> seen.stderr().contains(line));
        }

        static Moment after(int millis) {
            return new Moment("after " + millis + " ms", seen -> seen.elapsed().toMillis() >= millis, true);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Moment> moments() {
        return Stream.of(
                Moment.progress("booting"),
                Moment.progress("warming up"),
                Moment.progress("saving device state"),
                Moment.progress(PUBLISHING),
                new Moment("manifest written, not yet published",
                        seen -> seen.staging().map(s -> Files.exists(s.resolve("manifest.json"))).orElse(false)),
                new Moment("published, the create not yet finished", Seen::published),
                Moment.after(500),
                Moment.after(3000),
                Moment.after(7000),
                Moment.after(11000));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("moments")
    void kill_9_leaves_no_snapshot_or_a_whole_one_no_vm_and_leftovers_the_next_start_removes(Moment moment)
            throws Exception {
        Launcher thaw = Launcher.jar(home);
        Process create = thaw.start("snapshot", "create", "--lang", "python", "--id", ID);
        create.getOutputStream().close();
        StringBuffer stderr = collect(create);

        boolean reached = awaitMoment(moment, create, stderr);
        create.destroyForcibly().waitFor();
        boolean publishingStarted = stderr.toString().contains(PUBLISHING);

        if (!moment.mayMiss()) {
            assertThat(reached).as("the create was still running at " + moment + "; stderr:\n" + stderr).isTrue();
        }
        awaitNoVm(thaw);
        Path published = home.resolve("snapshots").resolve(ID);
        System.out.printf("killed %s: last progress '%s', snapshot %s%n", moment, lastLine(stderr),
                Files.exists(published) ? "published" : "absent");
        if (!publishingStarted) {
            assertThat(published).as("a snapshot killed before publishing").doesNotExist();
        } else if (Files.exists(published)) {
            Outcome verify = thaw.run("snapshot", "verify", ID);
            assertThat(verify.exit()).as(verify.stdout() + verify.stderr()).isZero();
        }
        Outcome list = thaw.run("snapshot", "list");
        assertThat(list.exit()).as(list.stderr()).isZero();
        assertThat(list.stdout().contains(ID)).isEqualTo(Files.exists(published));
        assertThat(entries(home.resolve("snapshots"), "\\.(staging|trash)-.*")).as("staging and trash").isEmpty();
        assertThat(entries(home.resolve("run"), "vm-.*")).as("run directories of the killed VM").isEmpty();
    }

    private static String lastLine(StringBuffer text) {
        return text.toString().lines().reduce((first, second) -> second).orElse("");
    }

    /** Reads the create's stderr as it comes, so that progress lines can be waited for. */
    private static StringBuffer collect(Process process) {
        StringBuffer text = new StringBuffer();
        Thread.ofVirtual().start(() -> {
            try (BufferedReader lines = new BufferedReader(
                    new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = lines.readLine()) != null; ) {
                    text.append(line).append('\n');
                }
            } catch (IOException e) {
                // the process was killed: what was read is all there is
            }
        });
        return text;
    }

    /** Polls every 2 ms; false if the create ended (or 3 minutes passed) before the moment. */
    private boolean awaitMoment(Moment moment, Process create, StringBuffer stderr) throws Exception {
        long start = System.nanoTime();
        long deadline = start + Duration.ofMinutes(3).toNanos();
        while (System.nanoTime() < deadline && create.isAlive()) {
            Seen seen = new Seen(stderr.toString(), staging(), Files.exists(home.resolve("snapshots").resolve(ID)),
                    Duration.ofNanos(System.nanoTime() - start));
            if (moment.reached().test(seen)) {
                return true;
            }
            Thread.sleep(2);
        }
        return false;
    }

    private Optional<Path> staging() throws IOException {
        return entries(home.resolve("snapshots"), "\\.staging-" + ID + "-.*").stream().findFirst();
    }

    private static List<Path> entries(Path dir, String namePattern) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.filter(p -> p.getFileName().toString().matches(namePattern)).toList();
        }
    }

    private static void awaitNoVm(Launcher thaw) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!thaw.vms().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(thaw.vms()).as("QEMU processes of the killed create").isEmpty();
    }
}
