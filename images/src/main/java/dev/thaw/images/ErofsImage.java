package dev.thaw.images;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a layer directory into a compressed, read-only EROFS image with {@code mkfs.erofs}
 * (erofs-utils 1.5, bookworm's), pinning what would otherwise differ between two runs: every
 * inode's time ({@code -T}) and the UUID ({@code -U}). Everything else is copied as it is:
 * owners, modes (setuid included), xattrs (an overlayfs opaque directory's
 * {@code trusted.overlay.opaque}), hard links, device nodes (an overlayfs whiteout is a 0/0
 * character device), so the guest's overlayfs sees exactly the upper directory the build left.
 * Byte-identical output also needs the same erofs-utils version.
 */
final class ErofsImage {

    /**
     * LZ4HC in 64 KiB physical clusters: on Thaw's layers (base, gcc, jdk, haskell, octave)
     * it came to 0.22-0.54 of the ext4 bytes, where the default 4 KiB clusters gave
     * 0.26-0.61 (README, "Disk"; scripts/erofs-sizes.sh). LZ4 is the cheapest to decompress
     * under TCG, and bookworm's cloud kernel has its decompressor built in.
     */
    static final List<String> COMPRESSION = List.of("-zlz4hc", "-C65536");

    private ErofsImage() {}

    /** Builds {@code output} from {@code tree}; {@code name} seeds the fixed UUID. */
    static void build(String name, Path tree, Path output) {
        List<String> command = new ArrayList<>(List.of("mkfs.erofs", "--quiet"));
        command.addAll(COMPRESSION);
        command.addAll(List.of("-T" + Ext4Image.EPOCH_SECONDS, "-U" + Digests.nameUuid(name),
                output.toString(), tree.toString()));
        HostCommand.run(command);
    }
}
