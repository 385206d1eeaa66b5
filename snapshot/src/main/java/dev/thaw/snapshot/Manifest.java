package dev.thaw.snapshot;

import java.time.Instant;
import java.util.Map;

/**
 * What a snapshot is and what it was made with; stored as {@code manifest.json} in the
 * snapshot directory. A snapshot restores only into a host whose {@link HostProfile}
 * matches the fields recorded here.
 *
 * @param files every other file of the snapshot by name ({@link SnapshotFiles}), with its
 *              size and sha256
 */
public record Manifest(
        int formatVersion,
        String id,
        String language,
        String vmm,
        String vmmVersion,
        String accelerator,
        String cpuModel,
        int memoryMiB,
        int vcpus,
        String kernelDigest,
        String initrdDigest,
        String rootfsDigest,
        String agentVersion,
        String cmdline,
        Instant createdAt,
        String parent,
        Map<String, FileEntry> files) {

    public static final int FORMAT_VERSION = 1;

    /** Size and content digest of one snapshot file. */
    public record FileEntry(long size, String sha256) {}
}
