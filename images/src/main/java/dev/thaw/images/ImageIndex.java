package dev.thaw.images;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Small JSON files that say which inputs produced which published image, so a later call
 * finds the image without rebuilding. One file per key ({@code index/KEY.json}), written
 * by an atomic rename; paths inside are relative to the index's directory, so the whole
 * images directory can be moved.
 */
final class ImageIndex {

    /** The kernel and initramfs made from the inputs named by the file's key. */
    record KernelEntry(String inputs, String vmlinux, String vmlinuxDigest, String initrd, String initrdDigest,
            String kernelVersion, String agentVersion) {

        GuestKernel toKernel(Path dir) {
            return new GuestKernel(dir.resolve(vmlinux), vmlinuxDigest, dir.resolve(initrd), initrdDigest,
                    kernelVersion, agentVersion);
        }
    }

    /** The image a recipe produced; {@code recipe} is the digest of the recipe that names the file. */
    record RootfsEntry(String recipe, String name, List<String> packages, String file, String sha256, long sizeBytes) {

        RootfsImage toImage(Path dir) {
            return new RootfsImage(name, dir.resolve(file), sha256, sizeBytes);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final Path dir;

    /** {@code dir} holds the images; the index lives in its {@code index} subdirectory. */
    ImageIndex(Path dir) {
        this.dir = dir;
    }

    Path dir() {
        return dir;
    }

    /** The entry for {@code key}, if one was written and parses; an unreadable entry counts as absent. */
    <T> Optional<T> read(String key, Class<T> type) {
        Path file = fileOf(key);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readValue(file.toFile(), type));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    <T> List<T> all(Class<T> type) {
        Path indexDir = dir.resolve("index");
        if (!Files.isDirectory(indexDir)) {
            return List.of();
        }
        List<T> entries = new ArrayList<>();
        try (Stream<Path> files = Files.list(indexDir)) {
            for (Path file : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                String name = file.getFileName().toString();
                read(name.substring(0, name.length() - ".json".length()), type).ifPresent(entries::add);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + indexDir, e);
        }
        return entries;
    }

    /** Writes the entry through a temporary file in {@code workDir}, then renames it into place. */
    void write(String key, Object entry, Path workDir) throws IOException {
        Path file = fileOf(key);
        Files.createDirectories(file.getParent());
        Path temp = workDir.resolve(file.getFileName());
        JSON.writeValue(temp.toFile(), entry);
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private Path fileOf(String key) {
        return dir.resolve("index").resolve(key + ".json");
    }
}
