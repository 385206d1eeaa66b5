package dev.thaw.images;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Turns a directory into an ext4 image with {@code mke2fs -d}, pinning everything that
 * would otherwise differ between two runs: UUID, directory hash seed, file system times,
 * file timestamps and the image size.
 */
final class Ext4Image {

    /** Timestamps inside the image: 2023-11-14, a fixed point rather than the build time. */
    static final long EPOCH_SECONDS = 1_700_000_000L;
    /** Room for what programs write to the root disk, beyond the files themselves. */
    static final long FREE_BYTES = 256L << 20;

    private Ext4Image() {}

    static void build(String name, Path tree, Path output) {
        normalizeTimes(tree);
        long size = sizeFor(tree);
        String uuid = UUID.nameUUIDFromBytes(("thaw-rootfs-" + name).getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .toString();
        HostCommand.run(List.of("mke2fs", "-q", "-F", "-t", "ext4", "-b", "4096", "-I", "256", "-m", "0",
                        "-L", "thaw-root", "-U", uuid,
                        "-E", "hash_seed=" + uuid + ",root_owner=0:0,lazy_itable_init=0,lazy_journal_init=0,nodiscard",
                        "-d", tree.toString(), output.toString(), (size / 1024) + "k"),
                null, Map.of("E2FSPROGS_FAKE_TIME", Long.toString(EPOCH_SECONDS),
                        "SOURCE_DATE_EPOCH", Long.toString(EPOCH_SECONDS)));
    }

    /** Sets every file's access and modification time to {@link #EPOCH_SECONDS}, links included. */
    static void normalizeTimes(Path tree) {
        FileTime fixed = FileTime.fromMillis(EPOCH_SECONDS * 1000);
        try (Stream<Path> paths = Files.walk(tree)) {
            for (Path path : (Iterable<Path>) paths::iterator) {
                Files.getFileAttributeView(path, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                        .setTimes(fixed, fixed, null);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot set timestamps under " + tree, e);
        }
    }

    /** Files rounded up to whole blocks, plus a third for metadata, plus free space; MiB-aligned. */
    static long sizeFor(Path tree) {
        long used;
        try (Stream<Path> paths = Files.walk(tree)) {
            used = paths.mapToLong(Ext4Image::blocksOf).sum();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot measure " + tree, e);
        }
        long size = used + used / 3 + FREE_BYTES;
        long mib = 1L << 20;
        return (size + mib - 1) / mib * mib;
    }

    private static long blocksOf(Path path) {
        try {
            long bytes = Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS) ? Files.size(path) : 0;
            return (bytes + 4095) / 4096 * 4096 + 256;
        } catch (IOException e) {
            return 4096;
        }
    }
}
