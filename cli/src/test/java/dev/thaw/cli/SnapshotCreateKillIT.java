package dev.thaw.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.thaw.cli.Launcher.Outcome;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code kill -9} of {@code thaw snapshot create} at several moments leaves either no
 * snapshot or a whole one, no VM, and a staging directory that the next start removes.
 * The moments are read off the staging directory, as an outsider sees the create: no hooks
 * in Thaw itself.
 */
class SnapshotCreateKillIT {

    private static final String ID = "victim";

    @TempDir
    Path home;

    /** When to kill: each is the first moment the staging directory shows a file. */
    enum Moment {
        BEFORE_STAGING(staging -> true),
        BOOTING(staging -> Files.exists(staging.resolve("memory"))),
        SAVED_DEVICE_STATE(staging -> size(staging.resolve("vmstate")) > 0),
        COMMITTING(staging -> Files.exists(staging.resolve("manifest.json")));

        final Predicate<Path> reached;

        Moment(Predicate<Path> reached) {
            this.reached = reached;
        }
    }

    @ParameterizedTest
    @EnumSource(Moment.class)
    void kill_9_leaves_no_snapshot_or_a_whole_one_and_the_next_start_cleans_up(Moment moment) throws Exception {
        Launcher thaw = new Launcher(home);
        Process create = thaw.start("snapshot", "create", "--lang", "sh", "--id", ID);
        create.getOutputStream().close();

        awaitMoment(moment, create);
        create.destroyForcibly().waitFor();

        awaitNoVm(thaw);
        Path published = home.resolve("snapshots").resolve(ID);
        if (Files.exists(published)) {
            Outcome verify = thaw.run("snapshot", "verify", ID);
            assertThat(verify.exit()).as(verify.stdout() + verify.stderr()).isZero();
        }
        Outcome list = thaw.run("snapshot", "list");
        assertThat(list.exit()).isZero();
        assertThat(leftovers()).as("staging and trash directories after the next start").isEmpty();
        if (moment == Moment.BEFORE_STAGING || moment == Moment.BOOTING) {
            assertThat(published).as("a snapshot killed while booting").doesNotExist();
        }
    }

    private void awaitMoment(Moment moment, Process create) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        if (moment == Moment.BEFORE_STAGING) {
            Thread.sleep(300);
            return;
        }
        while (System.nanoTime() < deadline && create.isAlive()) {
            if (staging().map(moment.reached::test).orElse(false)) {
                return;
            }
            Thread.sleep(2);
        }
        assertThat(create.isAlive()).as("thaw still creating when " + moment + " was awaited").isTrue();
    }

    private java.util.Optional<Path> staging() throws IOException {
        Path snapshots = home.resolve("snapshots");
        if (!Files.isDirectory(snapshots)) {
            return java.util.Optional.empty();
        }
        try (Stream<Path> entries = Files.list(snapshots)) {
            return entries.filter(p -> p.getFileName().toString().startsWith(".staging-" + ID)).findFirst();
        }
    }

    private List<Path> leftovers() throws IOException {
        if (!Files.isDirectory(home.resolve("snapshots"))) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(home.resolve("snapshots"))) {
            return entries.filter(p -> p.getFileName().toString().matches("\\.(staging|trash)-.*")).toList();
        }
    }

    private static void awaitNoVm(Launcher thaw) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!thaw.vms().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(thaw.vms()).as("QEMU processes of the killed create").isEmpty();
    }

    private static long size(Path file) {
        try {
            return Files.exists(file) ? Files.size(file) : 0;
        } catch (IOException e) {
            return 0;
        }
    }
}
