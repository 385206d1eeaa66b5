package dev.thaw.sandbox;

import java.nio.file.Path;

/**
 * Where Thaw keeps what it builds and runs: images, snapshots, per-VM run directories and
 * small state files (the accelerator probe's answer). The root is {@code --home}, else
 * {@code THAW_HOME}, else {@code ~/.cache/thaw}. Images may live elsewhere
 * ({@code THAW_IMAGES}), so that several homes share one image cache: images are named
 * by digest and never change once built.
 */
public record ThawHome(Path root, Path images) {

    public static ThawHome resolve(Path explicit) {
        Path root = explicit != null ? explicit.toAbsolutePath() : fromEnv("THAW_HOME");
        if (root == null) {
            root = Path.of(System.getProperty("user.home"), ".cache", "thaw");
        }
        Path images = fromEnv("THAW_IMAGES");
        return new ThawHome(root, images != null ? images : root.resolve("images"));
    }

    public static ThawHome at(Path root) {
        return new ThawHome(root, root.resolve("images"));
    }

    private static Path fromEnv(String name) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? null : Path.of(value).toAbsolutePath();
    }

    public Path snapshots() {
        return root.resolve("snapshots");
    }

    /** Run directories of live VMs: sockets, overlays, logs; removed when a VM stops. */
    public Path run() {
        return root.resolve("run");
    }

    /** Empty disk overlays, one per snapshot disk, copied for each clone. */
    public Path overlayTemplates() {
        return root.resolve("overlays");
    }

    /** The cached answer of the accelerator probe: a fact about the host, kept with its images. */
    public Path acceleratorCache() {
        return images.resolve("accelerator.json");
    }
}
