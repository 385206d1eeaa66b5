package dev.thaw.sandbox;

import dev.thaw.images.RootfsImage;
import dev.thaw.snapshot.RestoreImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The files a restore opens, and which versions of them (inode, modification time, size):
 * a {@link StandbyVmms standby} started for a snapshot must not serve the same snapshot made
 * again, nor a memory file unpacked again, under the same names.
 *
 * @param vmstate the snapshot's device state file, which names the snapshot's directory
 */
record StandbyKey(Path vmstate, List<Path> files, List<List<Object>> versions) {

    StandbyKey {
        files = List.copyOf(files);
        versions = List.copyOf(versions);
    }

    /** The key of a restore of {@code image} over {@code rootfs}; empty if a file cannot be read. */
    static Optional<StandbyKey> of(RestoreImage image, RootfsImage rootfs) {
        List<Path> files = new ArrayList<>(List.of(image.memory(), image.vmstate()));
        files.addAll(image.diskLayers());
        files.add(rootfs.rootDisk());
        SandboxFactory.lowerDisks(rootfs).forEach(disk -> files.add(disk.file()));
        List<List<Object>> versions = new ArrayList<>();
        try {
            for (Path file : files) {
                BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
                versions.add(List.of(String.valueOf(attributes.fileKey()), attributes.lastModifiedTime(),
                        attributes.size()));
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.of(new StandbyKey(image.vmstate(), files, versions));
    }
}
