package dev.thaw.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.thaw.images.RootfsImage;
import dev.thaw.snapshot.Snapshot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A diff snapshot made in one Thaw home restores in another that built its own copy of the
 * sh image: the disk layers name their base by digest, not by path. The second home shares
 * only the first one's downloaded packages and kernel, and runs debootstrap itself; sh's layer
 * carries a program compiled on the host (premain.so), which must come out the same bytes.
 */
class CrossHomeRestoreTest {

    @TempDir
    static Path first;

    @TempDir
    static Path second;

    @TempDir
    static Path export;

    @AfterAll
    static void noVmOutlivesTheTests() {
        assertThat(TestRuntimes.liveChildren()).isZero();
    }

    @Test
    void a_diff_exported_from_one_home_restores_in_another_that_built_its_own_image() throws IOException {
        ThawRuntime origin = TestRuntimes.inHome(first);
        origin.runAndSave(RunRequest.of("sh", "echo 'made in the first home' > /tmp/origin.txt"),
                "carried", false);
        assertThat(origin.exportSnapshot("carried", export)).containsExactly("carried", "sh");

        ThawRuntime elsewhere = new ThawRuntime(RuntimeOptions.defaults(homeWithOwnImages(origin)));
        List<Snapshot> imported = elsewhere.importSnapshots(export);
        RunResult result = elsewhere.run(new RunRequest("sh",
                "cat /tmp/origin.txt".getBytes(StandardCharsets.UTF_8), null, null, null,
                RunRequest.DEFAULT_OUTPUT_CAP, false, "carried"));

        assertThat(imported).extracting(s -> s.manifest().id()).containsExactly("sh", "carried");
        assertThat(new String(result.stdout(), StandardCharsets.UTF_8)).isEqualTo("made in the first home\n");
        RootfsImage theirs = origin.image(origin.languages().get("sh"));
        RootfsImage ours = elsewhere.image(elsewhere.languages().get("sh"));
        assertThat(ours.file()).isNotEqualTo(theirs.file());
        assertThat(ours.sha256()).isEqualTo(theirs.sha256());
    }

    /** A home whose image cache holds the first home's packages and kernel, but no root filesystem. */
    private static ThawHome homeWithOwnImages(ThawRuntime origin) throws IOException {
        Path shared = origin.home().images();
        Path images = second.resolve("images");
        Files.createDirectories(images);
        for (String part : List.of("debs", "kernel", "accelerator.json")) {
            if (!Files.exists(shared.resolve(part))) {
                continue; // the accelerator probe caches its answer only on hosts that have /dev/kvm
            }
            Process copy = new ProcessBuilder("cp", "-a", shared.resolve(part).toString(), images.toString())
                    .inheritIO().start();
            try {
                assertThat(copy.waitFor()).isZero();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
        }
        return new ThawHome(second, images);
    }
}
