package dev.thaw.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.thaw.snapshot.SnapshotFiles;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What users see when snapshots are damaged or do not fit, and when guests die. */
class SnapshotFailureTest {

    @TempDir
    static Path home;

    static ThawRuntime runtime;

    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void makeSnapshot() {
        runtime = TestRuntimes.inHome(home);
        runtime.createSnapshot("sh", null, false);
    }

    @AfterAll
    static void noVmOutlivesTheTests() {
        assertThat(TestRuntimes.liveChildren()).isZero();
    }

    @Test
    void unknown_language_lists_the_known_ones() {
        assertThatThrownBy(() -> runtime.run(RunRequest.of("cobol-2099", "x")))
                .isInstanceOf(SandboxException.class)
                .hasMessageContaining("unknown language 'cobol-2099'")
                .hasMessageContaining("python")
                .hasMessageContaining("sh");
    }

    @ParameterizedTest
    @ValueSource(strings = {"manifest.json", "memory", "vmstate", "disk.qcow2"})
    void restore_refuses_a_file_with_one_byte_changed_naming_it_and_how_to_recreate(String name) throws IOException {
        String id = "sh-flipped-" + name;
        Path file = withoutPack(copyOf("sh", id)).dir().resolve(name);
        flipByte(file, Files.size(file) / 2);

        assertRefused(id, name);
    }

    @Test
    void restore_unpacks_the_pack_again_when_the_plain_memory_file_beside_it_is_damaged() throws IOException {
        SnapshotFiles files = copyOf("sh", "sh-damaged-copy");
        flipByte(files.memory(), Files.size(files.memory()) / 2);

        RunResult result = runtime.run(fromSnapshot("sh-damaged-copy"));

        assertThat(new String(result.stdout(), StandardCharsets.UTF_8)).isEqualTo("hi\n");
        assertThat(runtime.verifySnapshot("sh-damaged-copy").ok()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"manifest.json", "memory", "vmstate", "disk.qcow2"})
    void restore_refuses_a_truncated_file_naming_it_and_how_to_recreate(String name) throws IOException {
        String id = "sh-truncated-" + name;
        Path file = withoutPack(copyOf("sh", id)).dir().resolve(name);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(raf.length() / 2);
        }

        assertRefused(id, name);
    }

    private static void assertRefused(String id, String file) {
        int vmsBefore = qemuChildren();
        assertThatThrownBy(() -> runtime.run(fromSnapshot(id)))
                .isInstanceOfSatisfying(SandboxException.class, e -> assertThat(e.code())
                        .isEqualTo(SandboxException.Code.SNAPSHOT_UNUSABLE))
                .hasMessageContaining(file)
                .hasMessageContaining("thaw snapshot create");
        assertThat(qemuChildren()).as("VMs started for a damaged snapshot").isEqualTo(vmsBefore);
    }

    private static int qemuChildren() {
        return (int) ProcessHandle.current().descendants()
                .filter(p -> p.info().command().orElse("").contains("qemu-system")).count();
    }

    @Test
    void restore_fails_naming_the_file_when_one_is_missing() throws IOException {
        SnapshotFiles files = copyOf("sh", "sh-missing-disk");
        Files.delete(files.disk());

        assertThatThrownBy(() -> runtime.run(fromSnapshot("sh-missing-disk")))
                .isInstanceOf(SandboxException.class)
                .hasMessageContaining("disk.qcow2");
    }

    @Test
    void restore_of_a_snapshot_from_another_qemu_names_the_field_and_the_fix() throws IOException {
        SnapshotFiles files = copyOf("sh", "sh-other-qemu");
        String manifest = Files.readString(files.manifest());
        String version = runtime.machine().machine().vmm().version();
        Files.writeString(files.manifest(), manifest.replace("\"" + version + "\"", "\"6.0.0\""));
        recordManifestDigest(files);

        assertThatThrownBy(() -> runtime.run(fromSnapshot("sh-other-qemu")))
                .isInstanceOf(SandboxException.class)
                .hasMessageContaining("6.0.0")
                .hasMessageContaining(version)
                .hasMessageContaining("thaw snapshot create");
    }

    @Test
    void guest_that_dies_mid_run_is_reported_as_crashed() {
        // The program kills the VMM process from outside the guest, as a host-side crash would.
        Thread killer = Thread.ofVirtual().start(SnapshotFailureTest::killQemuSoon);
        RunRequest request = new RunRequest("sh", "sleep 30".getBytes(StandardCharsets.UTF_8), null, null,
                Duration.ofSeconds(40), RunRequest.DEFAULT_OUTPUT_CAP, false, null);

        assertThatThrownBy(() -> runtime.run(request))
                .isInstanceOf(SandboxException.class)
                .satisfies(e -> assertThat(((SandboxException) e).code())
                        .isEqualTo(SandboxException.Code.GUEST_CRASHED));
        killer.interrupt();
    }

    @Test
    void runs_leave_no_run_directories_behind() throws IOException {
        runtime.run(RunRequest.of("sh", "echo hi"));

        try (Stream<Path> left = Files.list(home.resolve("run"))) {
            assertThat(left).isEmpty();
        }
    }

    private static void killQemuSoon() {
        try {
            Thread.sleep(3000);
        } catch (InterruptedException e) {
            return;
        }
        ProcessHandle.current().descendants()
                .filter(p -> p.info().command().orElse("").contains("qemu-system"))
                .forEach(ProcessHandle::destroyForcibly);
    }

    private static RunRequest fromSnapshot(String id) {
        return new RunRequest("sh", "echo hi".getBytes(StandardCharsets.UTF_8), null, null, null,
                RunRequest.DEFAULT_OUTPUT_CAP, false, id);
    }

    /** Without its pack, a snapshot's memory file is the only copy of its memory, and its damage is final. */
    private static SnapshotFiles withoutPack(SnapshotFiles files) throws IOException {
        Files.deleteIfExists(files.packedMemory());
        return files;
    }

    /** A private copy of a snapshot under another id, holes kept, so tests can damage it. */
    private static SnapshotFiles copyOf(String id, String copyId) throws IOException {
        Path from = home.resolve("snapshots").resolve(id);
        Path to = home.resolve("snapshots").resolve(copyId);
        run("cp", "-a", "--sparse=always", from.toString(), to.toString());
        Path manifest = to.resolve(SnapshotFiles.MANIFEST);
        ObjectNode json = (ObjectNode) JSON.readTree(manifest.toFile());
        json.put("id", copyId);
        JSON.writeValue(manifest.toFile(), json);
        SnapshotFiles files = new SnapshotFiles(to);
        recordManifestDigest(files);
        return files;
    }

    /** What the store records at commit, for a manifest a test edited on purpose. */
    private static void recordManifestDigest(SnapshotFiles files) throws IOException {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(files.manifest()));
            Files.writeString(files.dir().resolve("manifest.sha256"), HexFormat.of().formatHex(digest) + "  manifest.json\n");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void run(String... command) throws IOException {
        try {
            int exit = new ProcessBuilder(command).inheritIO().start().waitFor();
            assertThat(exit).as(String.join(" ", command)).isZero();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    private static void flipByte(Path file, long offset) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(offset);
            int b = raf.read();
            raf.seek(offset);
            raf.write(b ^ 0xff);
        }
    }
}
