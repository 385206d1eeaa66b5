package dev.thaw.snapshot;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Pattern;

/** {@code manifest.json}: snake_case JSON, times as ISO-8601, one trailing newline. */
final class ManifestCodec {

    static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** A manifest must not make the store read files outside the snapshot directory. */
    private static final Pattern FILE_NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");

    private ManifestCodec() {}

    static byte[] encode(Manifest manifest) {
        try {
            byte[] json = JSON.writeValueAsBytes(manifest);
            byte[] withNewline = Arrays.copyOf(json, json.length + 1);
            withNewline[json.length] = '\n';
            return withNewline;
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode the manifest of snapshot '" + manifest.id() + "'", e);
        }
    }

    /**
     * Reads a manifest, checking its format version before anything else: a newer format may
     * have fields this version does not know, and "unknown format 2" is the message that helps.
     */
    static Manifest read(Path file, String id) {
        try {
            JsonNode tree = JSON.readTree(file.toFile());
            if (tree == null || !tree.isObject()) {
                throw unreadable(file, id, "not a JSON object", null);
            }
            int version = tree.path("format_version").asInt(-1);
            if (version != Manifest.FORMAT_VERSION) {
                throw new SnapshotException(SnapshotException.Code.INCOMPATIBLE, "snapshot '" + id
                        + "' has manifest format " + tree.path("format_version") + " but this Thaw reads only format "
                        + Manifest.FORMAT_VERSION + ". " + SnapshotException.recreate(id, tree.path("language").asText("LANG")));
            }
            Manifest manifest = JSON.treeToValue(tree, Manifest.class);
            if (manifest.files() == null || manifest.files().isEmpty()) {
                throw unreadable(file, id, "it lists no files", null);
            }
            for (String name : manifest.files().keySet()) {
                if (!FILE_NAME.matcher(name).matches()) {
                    throw unreadable(file, id, "it lists a file '" + name + "', which is not a plain file name", null);
                }
            }
            if (!id.equals(manifest.id())) {
                throw unreadable(file, id, "it names snapshot '" + manifest.id() + "', not '" + id + "'", null);
            }
            return manifest;
        } catch (IOException e) {
            throw unreadable(file, id, e.getMessage().lines().findFirst().orElse(""), e);
        }
    }

    private static SnapshotException unreadable(Path file, String id, String why, Throwable cause) {
        return new SnapshotException(SnapshotException.Code.CORRUPT, "snapshot '" + id + "': " + file
                + " is not a usable manifest (" + why + "). Recreate it with: thaw snapshot create --lang LANG --id "
                + id + " --replace (LANG: the snapshot's language), or remove it with: thaw snapshot rm " + id, cause);
    }
}
