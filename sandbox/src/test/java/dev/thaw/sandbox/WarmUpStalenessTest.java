package dev.thaw.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.thaw.images.BuildProgress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A language's own snapshot records what warmed it; one warmed otherwise (here: imported
 * from a Thaw that recorded nothing) is made again on first use. Real VMs.
 */
class WarmUpStalenessTest {

    @TempDir
    Path dir;

    @Test
    void a_language_snapshot_warmed_otherwise_is_made_again_and_then_kept() throws Exception {
        ThawRuntime maker = runtime(dir.resolve("maker"), BuildProgress.NONE);
        Language sh = maker.languages().get("sh");
        assertThat(maker.languageSnapshot("sh").manifest().warmUpDigest()).isEqualTo(SnapshotMaker.warmUpDigest(sh));
        Path export = dir.resolve("export");
        maker.exportSnapshot("sh", export);
        forgetWarmUp(export.resolve("sh"));

        List<String> steps = Collections.synchronizedList(new ArrayList<>());
        ThawRuntime user = runtime(dir.resolve("user"), new BuildProgress() {
            @Override
            public void step(String name) {
                steps.add(name);
            }
        });
        user.importSnapshots(export);
        RunResult first = user.run(RunRequest.of("sh", "echo ok"));
        RunResult second = user.run(RunRequest.of("sh", "echo again"));

        assertThat(new String(first.stdout(), StandardCharsets.UTF_8)).isEqualTo("ok\n");
        assertThat(new String(second.stdout(), StandardCharsets.UTF_8)).isEqualTo("again\n");
        assertThat(steps).filteredOn(s -> s.contains("is stale")).singleElement().asString()
                .contains("warmed up with other commands");
        assertThat(user.snapshot("sh").orElseThrow().manifest().warmUpDigest()).isEqualTo(SnapshotMaker.warmUpDigest(sh));
        assertThat(TestRuntimes.liveChildren()).isZero();
    }

    private static ThawRuntime runtime(Path home, BuildProgress progress) {
        ThawHome shared = ThawHome.resolve(null);
        return new ThawRuntime(RuntimeOptions.defaults(new ThawHome(home, shared.images())).withProgress(progress));
    }

    /** The manifest as an older Thaw wrote it: no warm-up digest, and no digest of the manifest. */
    private static void forgetWarmUp(Path exported) throws Exception {
        Path manifest = exported.resolve("manifest.json");
        ObjectMapper json = new ObjectMapper();
        ObjectNode node = (ObjectNode) json.readTree(manifest.toFile());
        node.remove("warm_up_digest");
        Files.write(manifest, json.writeValueAsBytes(node));
        Files.delete(exported.resolve("manifest.sha256"));
    }
}
