package dev.thaw.snapshot;

import static dev.thaw.snapshot.SnapshotFixtures.create;
import static dev.thaw.snapshot.SnapshotFixtures.flipByte;
import static dev.thaw.snapshot.SnapshotFixtures.host;
import static dev.thaw.snapshot.SnapshotFixtures.truncate;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SnapshotIntegrityTest {

    @TempDir
    Path root;

    private LocalSnapshotStore store;
    private Snapshot snapshot;

    @BeforeEach
    void setUp() throws Exception {
        store = new LocalSnapshotStore(root, new SnapshotFixtures.TestClock());
        snapshot = create(store, "python", 1);
    }

    @Test
    void open_of_an_intact_snapshot_succeeds() {
        assertThat(store.open("python", host()).manifest()).isEqualTo(snapshot.manifest());
    }

    @Test
    void open_fails_naming_the_file_when_vmstate_is_corrupt() throws Exception {
        flipByte(snapshot.files().vmstate(), 1234);

        assertOpenFails(SnapshotException.Code.CORRUPT, "vmstate");
    }

    /** Memory and disk are trusted while unchanged; writing to them changes their stat key. */
    @ParameterizedTest
    @ValueSource(strings = {"memory", "disk.qcow2"})
    void open_fails_naming_the_file_when_it_was_changed_in_place(String name) throws Exception {
        store.open("python", host());
        Path file = snapshot.files().dir().resolve(name);
        String expected = snapshot.manifest().files().get(name).sha256();
        withoutPack();
        flipByte(file, 100);

        assertOpenFails(SnapshotException.Code.CORRUPT, name)
                .hasMessageContaining("manifest says " + expected)
                .hasMessageContaining("has sha256 ");
    }

    @Test
    void open_finds_a_corrupt_byte_inside_a_hole_of_the_memory_file() throws Exception {
        withoutPack();
        flipByte(snapshot.files().memory(), SnapshotFixtures.MEMORY_BYTES - 4096);

        assertOpenFails(SnapshotException.Code.CORRUPT, "memory");
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "vmstate", "disk.qcow2"})
    void open_fails_on_a_truncated_file_by_its_size(String name) throws Exception {
        Path file = snapshot.files().dir().resolve(name);
        long size = Files.size(file);
        withoutPack();
        truncate(file, size / 2);

        assertOpenFails(SnapshotException.Code.CORRUPT, name)
                .hasMessageContaining("is " + size / 2 + " bytes but the manifest says " + size);
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "vmstate", "disk.qcow2"})
    void open_fails_naming_a_missing_file(String name) throws Exception {
        Files.delete(snapshot.files().dir().resolve(name));
        withoutPack();

        assertOpenFails(SnapshotException.Code.MISSING_FILE, name).hasMessageContaining("is missing");
    }

    @Test
    void open_trusts_an_unchanged_memory_file_but_always_hashes_vmstate() throws Exception {
        // A wrong digest in the manifest leaves the files' stat keys as they were at commit.
        rewriteDigest("memory", SnapshotFixtures.DIGEST_B);
        assertThat(store.open("python", host())).isNotNull();

        rewriteDigest("vmstate", SnapshotFixtures.DIGEST_B);
        assertOpenFails(SnapshotException.Code.CORRUPT, "vmstate");
    }

    @Test
    void open_fails_when_the_manifest_is_not_json() throws Exception {
        Files.writeString(snapshot.files().manifest(), "{ not json");

        assertOpenFails(SnapshotException.Code.CORRUPT, "manifest.json").hasMessageContaining("thaw snapshot rm python");
    }

    @Test
    void open_rejects_an_unknown_manifest_format_with_the_versions() throws Exception {
        ObjectNode json = manifestJson();
        json.put("format_version", 7);
        json.put("a_field_of_format_7", true);
        ManifestCodec.JSON.writeValue(snapshot.files().manifest().toFile(), json);

        assertOpenFails(SnapshotException.Code.INCOMPATIBLE, "format 7")
                .hasMessageContaining("reads only format " + Manifest.FORMAT_VERSION)
                .hasMessageContaining("thaw snapshot create --lang python --replace");
    }

    @Test
    void open_rejects_a_manifest_that_names_files_outside_the_snapshot() throws Exception {
        ObjectNode json = manifestJson();
        ((ObjectNode) json.get("files")).set("../../etc/passwd", json.get("files").get("vmstate"));
        ManifestCodec.JSON.writeValue(snapshot.files().manifest().toFile(), json);

        assertOpenFails(SnapshotException.Code.CORRUPT, "../../etc/passwd");
    }

    @Test
    void verify_reports_every_file_and_names_the_damaged_one() throws Exception {
        assertThat(store.verify("python").ok()).isTrue();
        assertThat(store.verify("python").files()).extracting(VerifyReport.FileCheck::name)
                .containsExactly("manifest.json", "memory.packed", "disk.qcow2", "memory", "vmstate");

        rewriteDigest("memory", SnapshotFixtures.DIGEST_B); // open would trust it; verify does not
        VerifyReport report = store.verify("python");

        assertThat(report.ok()).isFalse();
        assertThat(report.damaged()).extracting(VerifyReport.FileCheck::name).containsExactly("memory.packed", "memory");
        assertThat(report.damaged()).allSatisfy(f -> {
            assertThat(f.expectedSha256()).isEqualTo(SnapshotFixtures.DIGEST_B);
            assertThat(f.actualSha256()).isEqualTo(snapshot.manifest().files().get("memory").sha256());
        });
        assertThat(report.toString()).contains("DAMAGED", "BAD     memory has sha256", "ok      vmstate");
    }

    @Test
    void verify_reports_a_missing_file_without_stopping() throws Exception {
        Files.delete(snapshot.files().disk());

        VerifyReport report = store.verify("python");

        assertThat(report.damaged()).singleElement().satisfies(f -> {
            assertThat(f.name()).isEqualTo("disk.qcow2");
            assertThat(f.problem()).isEqualTo("is missing");
        });
        assertThat(report.files()).hasSize(5);
    }

    /** The manifest holds every other file's digest; its own is in {@code manifest.sha256}. */
    @Nested
    class TheManifestItself {

        @Test
        void the_digest_is_in_sha256sum_format() throws Exception {
            String line = Files.readString(snapshot.files().dir().resolve(ManifestDigest.NAME));

            assertThat(line).isEqualTo(LocalSnapshotStoreTest.sha256(Files.readAllBytes(snapshot.files().manifest()))
                    + "  manifest.json\n");
        }

        /** Every byte, flipped by its lowest bit: the smallest change, which often still parses. */
        @Test
        void open_refuses_a_manifest_with_any_one_byte_changed_naming_the_manifest() throws Exception {
            Path manifest = snapshot.files().manifest();
            byte[] original = Files.readAllBytes(manifest);
            List<String> accepted = new ArrayList<>();
            for (int i = 0; i < original.length; i++) {
                byte[] damaged = original.clone();
                damaged[i] ^= 1;
                Files.write(manifest, damaged);
                try {
                    store.open("python", host());
                    accepted.add(i + ":" + (char) original[i]);
                } catch (SnapshotException e) {
                    assertThat(e.getMessage()).as("byte %d", i).containsIgnoringCase("manifest");
                }
            }
            Files.write(manifest, original);

            assertThat(accepted).as("offsets whose change went unnoticed").isEmpty();
            assertThat(store.open("python", host())).isNotNull();
        }

        @Test
        void a_changed_byte_in_a_files_digest_blames_the_manifest_not_the_file() throws Exception {
            Path manifest = snapshot.files().manifest();
            String json = Files.readString(manifest);
            String digest = snapshot.manifest().files().get("memory").sha256();
            Files.writeString(manifest, json.replace(digest, digest.substring(0, 63) + (digest.endsWith("0") ? "1" : "0")));

            assertOpenFails(SnapshotException.Code.CORRUPT, "manifest")
                    .hasMessageContaining("its file manifest.json")
                    .hasMessageContaining("but manifest.sha256 says")
                    .hasMessageContaining("thaw snapshot create --lang python --replace");
        }

        @ParameterizedTest
        @ValueSource(longs = {0, 1, 500})
        void open_refuses_a_truncated_manifest_naming_it(long length) throws Exception {
            truncate(snapshot.files().manifest(), length);

            assertOpenFails(SnapshotException.Code.CORRUPT, "manifest").hasMessageContaining("manifest.json");
        }

        @Test
        void a_damaged_digest_file_is_reported_as_such() throws Exception {
            Path digest = snapshot.files().dir().resolve(ManifestDigest.NAME);
            flipByte(digest, 3);

            assertOpenFails(SnapshotException.Code.CORRUPT, "manifest").hasMessageContaining("manifest.json");
            truncate(digest, 10);
            assertOpenFails(SnapshotException.Code.CORRUPT, "manifest").hasMessageContaining("manifest.sha256 is damaged");
        }

        @Test
        void a_snapshot_without_a_digest_is_stale_and_to_be_made_again() throws Exception {
            Files.delete(snapshot.files().dir().resolve(ManifestDigest.NAME));

            assertOpenFails(SnapshotException.Code.INCOMPATIBLE, "manifest")
                    .hasMessageContaining("earlier Thaw")
                    .hasMessageContaining("thaw snapshot create --lang python --replace");
            assertThat(store.verify("python").damaged()).extracting(VerifyReport.FileCheck::problem)
                    .containsExactly("cannot be checked: manifest.sha256 is missing (made by an earlier Thaw, or removed)");
        }

        @Test
        void verify_names_a_changed_manifest_and_passes_the_other_files() throws Exception {
            String json = Files.readString(snapshot.files().manifest());
            Files.writeString(snapshot.files().manifest(), json.replace("console=ttyS0", "console=ttyS1"));

            VerifyReport report = store.verify("python");

            assertThat(report.damaged()).extracting(VerifyReport.FileCheck::name).containsExactly("manifest.json");
            assertThat(report.toString()).contains("BAD     manifest.json has sha256", "ok      memory");
        }
    }

    private org.assertj.core.api.AbstractThrowableAssert<?, ? extends Throwable> assertOpenFails(
            SnapshotException.Code code, String named) {
        return assertThatThrownBy(() -> store.open("python", host()))
                .isInstanceOfSatisfying(SnapshotException.class, e -> assertThat(e.code()).isEqualTo(code))
                .hasMessageContaining("snapshot 'python'")
                .hasMessageContaining(named);
    }

    private ObjectNode manifestJson() throws Exception {
        return (ObjectNode) ManifestCodec.JSON.readTree(snapshot.files().manifest().toFile());
    }

    /** Beside its pack, a damaged or missing memory file is only a copy to make again (PackedSnapshotTest). */
    private void withoutPack() throws Exception {
        Files.deleteIfExists(snapshot.files().packedMemory());
    }

    private void rewriteDigest(String name, String digest) throws Exception {
        ObjectNode json = manifestJson();
        ((ObjectNode) json.get("files").get(name)).put("sha256", digest);
        ManifestCodec.JSON.writeValue(snapshot.files().manifest().toFile(), json);
        ManifestDigest.write(snapshot.files().dir()); // a deliberate edit, not damage
    }
}
