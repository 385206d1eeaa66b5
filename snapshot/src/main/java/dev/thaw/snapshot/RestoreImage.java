package dev.thaw.snapshot;

import java.nio.file.Path;
import java.util.List;

/**
 * What a restore of a snapshot maps: one memory image, the device state, and the disk
 * layers from the snapshot's own down to its full snapshot's (the base image below them is
 * named by {@code manifest.rootfsDigest()}). For a full snapshot these are its own files;
 * for a diff, the memory is its chain's, assembled.
 *
 * @param manifestSha256 digest of the snapshot's manifest: what a diff made from a clone of
 *                       it records as its parent's
 */
public record RestoreImage(Snapshot snapshot, String manifestSha256, Path memory, Path vmstate,
        List<Path> diskLayers) {

    public RestoreImage {
        diskLayers = List.copyOf(diskLayers);
    }

    public Manifest manifest() {
        return snapshot.manifest();
    }
}
