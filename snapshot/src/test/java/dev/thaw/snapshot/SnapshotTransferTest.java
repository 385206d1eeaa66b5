package dev.thaw.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Exports carry a packed snapshot's memory as its pack; imports take packs and plain files. */
class SnapshotTransferTest {

    @TempDir
    Path dir;

    final SnapshotFixtures.TestClock clock = new SnapshotFixtures.TestClock();

    private LocalSnapshotStore store(String name, boolean sparse) {
        return new LocalSnapshotStore(dir.resolve(name), clock, new StoreOptions(1L << 40, sparse));
    }

    @Test
    void a_packed_snapshot_travels_as_its_pack_and_restores_in_the_other_home() throws IOException {
        Snapshot made = SnapshotFixtures.create(store("from", true), "a", 1);
        Path export = dir.resolve("export");

        new SnapshotTransfer(store("from", true)).export("a", export);
        LocalSnapshotStore to = store("to", true);
        new SnapshotTransfer(to).importFrom(export);

        assertThat(export.resolve("a").resolve(SnapshotFiles.PACKED_MEMORY)).isRegularFile();
        assertThat(export.resolve("a").resolve(SnapshotFiles.MEMORY)).doesNotExist();
        RestoreImage image = to.restoreImage(to.open("a", SnapshotFixtures.host()));
        assertThat(FileFacts.sha256(image.memory()))
                .isEqualTo(made.manifest().files().get(SnapshotFiles.MEMORY).sha256());
        assertThat(to.verify("a").ok()).isTrue();
    }

    @Test
    void a_dense_stores_export_carries_plain_memory_that_imports_as_well() throws IOException {
        SnapshotFixtures.create(store("from", false), "a", 1);
        Path export = dir.resolve("export");

        new SnapshotTransfer(store("from", false)).export("a", export);
        LocalSnapshotStore to = store("to", true);
        new SnapshotTransfer(to).importFrom(export);

        assertThat(export.resolve("a").resolve(SnapshotFiles.MEMORY)).isRegularFile();
        assertThat(to.verify("a").ok()).isTrue();
    }

    @Test
    void a_damaged_pack_fails_the_import_and_publishes_nothing() throws IOException {
        SnapshotFixtures.create(store("from", true), "a", 1);
        Path export = dir.resolve("export");
        new SnapshotTransfer(store("from", true)).export("a", export);
        Path pack = export.resolve("a").resolve(SnapshotFiles.PACKED_MEMORY);
        SnapshotFixtures.flipByte(pack, Files.size(pack) - 50);
        LocalSnapshotStore to = store("to", true);

        assertThatThrownBy(() -> new SnapshotTransfer(to).importFrom(export))
                .isInstanceOf(SnapshotException.class)
                .hasMessageContaining("cannot be unpacked")
                .hasMessageContaining("Export it again");
        assertThat(to.find("a")).isEmpty();
        assertThat(to.list()).isEmpty();
    }
}
