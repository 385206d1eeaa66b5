package dev.thaw.snapshot;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.nio.file.Path;

/** {@code manifest.json}: snake_case JSON, times as ISO-8601. */
final class ManifestCodec {

    static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private ManifestCodec() {}

    static byte[] encode(Manifest manifest) {
        try {
            byte[] json = JSON.writeValueAsBytes(manifest);
            byte[] withNewline = java.util.Arrays.copyOf(json, json.length + 1);
            withNewline[json.length] = '\n';
            return withNewline;
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode a manifest", e);
        }
    }

    static Manifest read(Path file, String id) {
        Manifest manifest;
        try {
            manifest = JSON.readValue(file.toFile(), Manifest.class);
        } catch (IOException e) {
            throw new SnapshotException(SnapshotException.Code.CORRUPT, "snapshot '" + id + "': " + file
                    + " is not a readable manifest (" + e.getMessage().lines().findFirst().orElse("") + "); remove it with: "
                    + "thaw snapshot rm " + id, e);
        }
        if (manifest.formatVersion() != Manifest.FORMAT_VERSION) {
            throw new SnapshotException(SnapshotException.Code.INCOMPATIBLE, "snapshot '" + id + "' has manifest format "
                    + manifest.formatVersion() + "; this Thaw reads format " + Manifest.FORMAT_VERSION
                    + ". Recreate it with: thaw snapshot create --lang " + manifest.language() + " --replace");
        }
        if (manifest.files() == null || manifest.id() == null) {
            throw new SnapshotException(SnapshotException.Code.CORRUPT, "snapshot '" + id + "': manifest lacks id or files");
        }
        return manifest;
    }
}
