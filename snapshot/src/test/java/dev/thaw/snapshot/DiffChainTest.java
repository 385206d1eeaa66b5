package dev.thaw.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Diff snapshots without a VM: pages handed to the writer as a clone's RAM would be. */
class DiffChainTest {

    private static final int PAGE = MemoryDiffWriter.PAGE_SIZE;
    private static final int MEMORY_MIB = 8;
    private static final long MEMORY_BYTES = (long) MEMORY_MIB << 20;
    private static final HostProfile HOST = new HostProfile("qemu", "7.2.0", "tcg", "qemu64", MEMORY_MIB, 1,
            SnapshotFixtures.DIGEST_A, SnapshotFixtures.DIGEST_A, SnapshotFixtures.DIGEST_A, "1", SnapshotFixtures.CMDLINE);

    @TempDir
    Path root;

    LocalSnapshotStore store;
    byte[] baseMemory;

    @BeforeEach
    void fullSnapshot() throws IOException {
        store = new LocalSnapshotStore(root, new SnapshotFixtures.TestClock());
        baseMemory = new byte[(int) MEMORY_BYTES];
        fill(baseMemory, 0, 1);
        fill(baseMemory, 1, 2);
        fill(baseMemory, 256, 3);
        try (PendingSnapshot pending = store.begin("base", 0, false)) {
            writeSparse(pending.files().memory(), baseMemory);
            Files.write(pending.files().vmstate(), new byte[] {1, 2, 3});
            Files.write(pending.files().disk(), new byte[] {4, 5, 6});
            pending.commit(draft("base", null, null));
        }
    }

    @Test
    void a_diff_keeps_only_changed_pages_and_restores_as_base_plus_changes() throws IOException {
        byte[] cloneMemory = baseMemory.clone();
        fill(cloneMemory, 0, 9);                   // changed
        Arrays.fill(cloneMemory, 256 * PAGE, 257 * PAGE, (byte) 0); // zeroed
        fill(cloneMemory, 100, 7);                 // new

        Snapshot diff = saveDiff("one", "base", cloneMemory);

        assertThat(Files.size(diff.files().memory())).isEqualTo(MEMORY_BYTES);
        assertThat(PageMap.decode(Files.readAllBytes(diff.files().memoryPages())).stream().toArray())
                .containsExactly(0, 100, 256);
        RestoreImage image = store.restoreImage(store.open("one", HOST));
        assertThat(Files.readAllBytes(image.memory())).isEqualTo(cloneMemory);
        assertThat(image.diskLayers()).containsExactly(diff.files().disk(), root.resolve("base").resolve("disk.qcow2"));
    }

    @Test
    void a_chain_of_diffs_lays_each_ones_pages_over_the_last() throws IOException {
        byte[] first = baseMemory.clone();
        fill(first, 5, 5);
        saveDiff("one", "base", first);
        byte[] second = first.clone();
        fill(second, 6, 6);
        fill(second, 1, 8);
        saveDiff("two", "one", second);

        RestoreImage image = store.restoreImage(store.open("two", HOST));

        assertThat(Files.readAllBytes(image.memory())).isEqualTo(second);
        assertThat(image.diskLayers()).hasSize(3);
    }

    @Test
    void a_diff_whose_parent_was_replaced_is_refused() throws IOException {
        saveDiff("one", "base", baseMemory.clone());
        try (PendingSnapshot pending = store.begin("base", 0, true)) {
            SnapshotFixtures.writeVmFiles(pending.files(), 5);
            pending.commit(draft("base", null, null));
        }

        assertThatThrownBy(() -> store.open("one", HOST))
                .isInstanceOf(SnapshotException.class)
                .hasMessageContaining("made from an earlier 'base', which has been replaced since");
    }

    @Test
    void a_snapshot_with_diffs_made_against_it_cannot_be_removed() throws IOException {
        saveDiff("one", "base", baseMemory.clone());

        assertThatThrownBy(() -> store.remove("base"))
                .isInstanceOf(SnapshotException.class)
                .hasMessageContaining("[one]").hasMessageContaining("thaw snapshot squash one");
        assertThat(store.find("base")).isPresent();
    }

    @Test
    void a_damaged_parent_fails_the_restore_of_its_diff() throws IOException {
        saveDiff("one", "base", baseMemory.clone());
        SnapshotFixtures.flipByte(root.resolve("base").resolve("vmstate"), 0);

        assertThatThrownBy(() -> store.open("one", HOST))
                .isInstanceOf(SnapshotException.class).hasMessageContaining("'base' is damaged");
    }

    private Snapshot saveDiff(String id, String parent, byte[] cloneMemory) throws IOException {
        Snapshot parentSnapshot = store.find(parent).orElseThrow();
        RestoreImage parentImage = store.restoreImage(parentSnapshot);
        try (PendingSnapshot pending = store.begin(id, 0, false);
                MemoryDiffWriter writer = new MemoryDiffWriter(parentImage.memory(), pending.files(), MEMORY_BYTES)) {
            MemorySegment memory = MemorySegment.ofArray(cloneMemory);
            for (long offset = 0; offset < MEMORY_BYTES; offset += PAGE) {
                MemorySegment page = memory.asSlice(offset, PAGE);
                if (MemoryFiles.isZero(memory, offset)) {
                    writer.zeroPage(offset);
                } else {
                    writer.page(offset, page);
                }
            }
            writer.finish();
            Files.write(pending.files().vmstate(), new byte[] {7});
            Files.write(pending.files().disk(), new byte[] {8});
            return pending.commit(draft(id, parent, parentImage.manifestSha256()));
        }
    }

    private static Manifest draft(String id, String parent, String parentDigest) {
        Manifest d = SnapshotFixtures.draft("python");
        return new Manifest(d.formatVersion(), id, d.language(), d.vmm(), d.vmmVersion(), d.accelerator(), d.cpuModel(),
                MEMORY_MIB, d.vcpus(), d.kernelDigest(), d.initrdDigest(), d.rootfsDigest(), d.agentVersion(),
                d.cmdline(), null, parent, parentDigest, Map.of(), null);
    }

    private static void fill(byte[] memory, int page, int value) {
        Arrays.fill(memory, page * PAGE, (page + 1) * PAGE, (byte) value);
    }

    private static void writeSparse(Path file, byte[] content) throws IOException {
        try (RandomAccessFile out = new RandomAccessFile(file.toFile(), "rw")) {
            out.setLength(content.length);
            for (int offset = 0; offset < content.length; offset += PAGE) {
                if (!MemoryFiles.isZero(MemorySegment.ofArray(content), offset)) {
                    out.seek(offset);
                    out.write(content, offset, PAGE);
                }
            }
        }
    }
}
