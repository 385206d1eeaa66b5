package dev.thaw.snapshot;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.time.Instant;
import java.util.Map;

/**
 * What a snapshot is and what it was made with; stored as {@code manifest.json} in the
 * snapshot directory. A snapshot restores only into a host whose {@link HostProfile}
 * matches the fields recorded here.
 *
 * @param parent               of a diff snapshot, the snapshot it holds the changes against;
 *                             null for a full snapshot
 * @param parentManifestSha256 sha256 of the parent's manifest when the diff was made, so a
 *                             diff is never applied to a parent replaced since
 * @param files                every other file of the snapshot by name ({@link SnapshotFiles}),
 *                             with its size and sha256
 * @param warmUpDigest         sha256 of what warmed the snapshot before it was saved (the
 *                             language's commands and warm-up program), so that a language's
 *                             own snapshot is made again when they change; null if unknown
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
        String parentManifestSha256,
        Map<String, FileEntry> files,
        String warmUpDigest) {

    /** 2: disks are layers over a base image named by digest; diff snapshots. */
    public static final int FORMAT_VERSION = 2;

    /** A full snapshot's manifest: no parent. */
    public Manifest(int formatVersion, String id, String language, String vmm, String vmmVersion, String accelerator,
            String cpuModel, int memoryMiB, int vcpus, String kernelDigest, String initrdDigest, String rootfsDigest,
            String agentVersion, String cmdline, Instant createdAt, String parent, Map<String, FileEntry> files) {
        this(formatVersion, id, language, vmm, vmmVersion, accelerator, cpuModel, memoryMiB, vcpus, kernelDigest,
                initrdDigest, rootfsDigest, agentVersion, cmdline, createdAt, parent, null, files, null);
    }

    public Manifest withWarmUp(String digest) {
        return new Manifest(formatVersion, id, language, vmm, vmmVersion, accelerator, cpuModel, memoryMiB, vcpus,
                kernelDigest, initrdDigest, rootfsDigest, agentVersion, cmdline, createdAt, parent,
                parentManifestSha256, files, digest);
    }

    @JsonIgnore
    public boolean isDiff() {
        return parent != null;
    }

    /** Size and content digest of one snapshot file. */
    public record FileEntry(long size, String sha256) {}
}
