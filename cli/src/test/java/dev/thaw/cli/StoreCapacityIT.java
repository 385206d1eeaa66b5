package dev.thaw.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.thaw.cli.Launcher.Outcome;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A create that cannot fit the store's capacity fails before any VM boots, saying why and what to do. */
class StoreCapacityIT {

    @TempDir
    Path home;

    @Test
    void a_create_larger_than_the_capacity_fails_before_booting_with_the_numbers_and_the_fix() throws Exception {
        Launcher thaw = Launcher.jar(home);

        Outcome create = thaw.run("--store-capacity", "1M", "snapshot", "create", "--lang", "sh", "--id", "tiny");

        assertThat(create.exit()).as(create.stderr()).isEqualTo(ErrorReporter.USER_ERROR);
        assertThat(create.stderr())
                .contains("snapshot 'tiny' needs up to", "capacity is 1.0 MiB", "Raise --store-capacity")
                .doesNotContain("booting");
        assertThat(thaw.vms()).isEmpty();
        assertThat(home.resolve("snapshots/tiny")).doesNotExist();
        try (var left = Files.list(home.resolve("snapshots"))) {
            assertThat(left.filter(p -> p.getFileName().toString().startsWith(".staging"))).isEmpty();
        }
    }

    @Test
    void a_malformed_capacity_is_refused_with_examples() throws Exception {
        Outcome list = Launcher.jar(home).run("--store-capacity", "lots", "snapshot", "list");

        assertThat(list.exit()).isEqualTo(ErrorReporter.USER_ERROR);
        assertThat(list.stderr()).contains("'lots' is not a size", "20G");
    }
}
