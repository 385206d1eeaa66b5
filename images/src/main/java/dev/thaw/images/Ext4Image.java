package dev.thaw.images;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Turns a directory into an ext4 image with {@code mke2fs -d}, pinning everything that would
 * otherwise differ between two runs: UUID, directory hash seed, file system times, file
 * timestamps, the feature set (the host's /etc/mke2fs.conf is not consulted) and the size.
 * Byte-identical output also needs the same e2fsprogs version (bookworm's 1.47.0 here).
 * Thaw's layers are EROFS ({@link ErofsImage}); ext4 is the writable disk under a sandbox's
 * writes, which every image shares ({@link ImageBuilder#upper()}).
 */
final class Ext4Image {

    /** Timestamps inside the image: 2023-11-14, a fixed point rather than the build time. */
    static final long EPOCH_SECONDS = 1_700_000_000L;
    /** Room for what programs write to the root disk, at least; bigger trees get half their size. */
    static final long MIN_FREE_BYTES = 256L << 20;

    /**
     * Bookworm's ext4 defaults, written out so another host's mke2fs.conf cannot change the
     * image, without the journal: the disk is the writable top of a sandbox whose writes are
     * thrown away or saved with the VM paused, so nothing needs crash recovery, and a journal
     * would occupy 16-64 MiB.
     */
    private static final String MKE2FS_CONF = """
            [defaults]
            \tbase_features = sparse_super,large_file,filetype,resize_inode,dir_index,ext_attr
            \tdefault_mntopts = acl,user_xattr
            \tenable_periodic_fsck = 0
            \tblocksize = 4096
            \tinode_size = 256
            \tinode_ratio = 16384
            [fs_types]
            \text4 = {
            \t\tfeatures = extent,huge_file,flex_bg,metadata_csum,64bit,dir_nlink,extra_isize
            \t}
            """;
    private static final Pattern FREE_INODES = Pattern.compile("^\\s+Free inodes: (.*)$", Pattern.MULTILINE);
    private static final Pattern INODE_COUNT = Pattern.compile("^Inode count:\\s+(\\d+)$", Pattern.MULTILINE);
    /** Inodes 1-10 are reserved and written by mke2fs itself, with the pinned time; 2 is the root. */
    private static final int FIRST_FILE_INODE = 11;

    private Ext4Image() {}

    /** Builds {@code output} from {@code tree}, sized for it; {@code name} seeds the fixed UUID. Sets the tree's timestamps. */
    static void build(String name, Path tree, Path output) {
        build(name, tree, output, sizeFor(usedBytes(tree)));
    }

    /** Builds a {@code size}-byte {@code output} from {@code tree}. */
    static void build(String name, Path tree, Path output, long size) {
        normalizeTimes(tree);
        String uuid = Digests.nameUuid(name);
        Path conf = output.resolveSibling("mke2fs.conf");
        try {
            Files.writeString(conf, MKE2FS_CONF);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        HostCommand.run(List.of("mke2fs", "-q", "-F", "-t", "ext4", "-T", "default", "-b", "4096", "-I", "256",
                        "-i", "16384", "-m", "0", "-L", "thaw-root", "-U", uuid,
                        "-E", "hash_seed=" + uuid + ",root_owner=0:0,lazy_itable_init=0,nodiscard",
                        "-d", tree.toString(), output.toString(), (size / 1024) + "k"),
                null, pinnedTime(Map.of("MKE2FS_CONFIG", conf.toString())));
        pinInodeTimes(output);
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

    /**
     * mke2fs copies each file's ctime, which no system call can set (it is the time of the
     * build), and its atime, which mke2fs's own reading of the file has just moved to now.
     * debugfs rewrites both in every inode in use, which it finds in the inode bitmaps.
     */
    static void pinInodeTimes(Path image) {
        String summary = HostCommand.run(List.of("dumpe2fs", image.toString()));
        BitSet used = usedInodes(summary);
        StringBuilder script = new StringBuilder();
        String time = "0x" + Long.toHexString(EPOCH_SECONDS);
        for (int inode = used.nextSetBit(0); inode >= 0; inode = used.nextSetBit(inode + 1)) {
            if (inode == 2 || inode >= FIRST_FILE_INODE) {
                script.append("sif <").append(inode).append("> ctime ").append(time).append('\n');
                script.append("sif <").append(inode).append("> atime ").append(time).append('\n');
            }
        }
        Path scriptFile = image.resolveSibling("pin-times.debugfs");
        try {
            Files.writeString(scriptFile, script);
            String out = HostCommand.run(List.of("debugfs", "-w", "-f", scriptFile.toString(), image.toString()),
                    null, pinnedTime(Map.of()));
            if (out.contains("set_inode_field:") || out.contains("sif:")) {
                throw new ImageException(ImageException.Code.TOOL_FAILED, "debugfs could not pin inode times:\n" + out);
            }
            Files.delete(scriptFile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Inode numbers in use: all from 1 to the inode count, minus each group's "Free inodes: a-b, c" ranges. */
    static BitSet usedInodes(String dumpe2fs) {
        Matcher count = INODE_COUNT.matcher(dumpe2fs);
        if (!count.find()) {
            throw new ImageException(ImageException.Code.TOOL_FAILED, "dumpe2fs printed no inode count");
        }
        BitSet used = new BitSet();
        used.set(1, Integer.parseInt(count.group(1)) + 1);
        Matcher free = FREE_INODES.matcher(dumpe2fs);
        while (free.find()) {
            for (String range : free.group(1).split(",")) {
                String r = range.trim();
                if (r.isEmpty()) {
                    continue;
                }
                int dash = r.indexOf('-');
                int from = Integer.parseInt(dash < 0 ? r : r.substring(0, dash));
                int to = Integer.parseInt(dash < 0 ? r : r.substring(dash + 1));
                used.clear(from, to + 1);
            }
        }
        return used;
    }

    /** The e2fsprogs tools read the time from these instead of the clock. */
    private static Map<String, String> pinnedTime(Map<String, String> more) {
        var env = new java.util.HashMap<>(more);
        env.put("E2FSPROGS_FAKE_TIME", Long.toString(EPOCH_SECONDS));
        env.put("SOURCE_DATE_EPOCH", Long.toString(EPOCH_SECONDS));
        return env;
    }

    /** Room for the journal (64 MiB up to 16 GiB of file system) and the other fixed metadata. */
    static final long FIXED_METADATA_BYTES = 80L << 20;

    /** Image size for a tree using {@code used} bytes: half again for growth, at least 256 MiB free; MiB-aligned. */
    static long sizeFor(long used) {
        long withMetadata = used + used / 16 + FIXED_METADATA_BYTES; // inode tables, directories, journal
        long size = withMetadata + Math.max(used / 2, MIN_FREE_BYTES);
        long mib = 1L << 20;
        return (size + mib - 1) / mib * mib;
    }

    /** The tree's files rounded up to whole 4 KiB blocks, plus an inode's worth for every entry. */
    static long usedBytes(Path tree) {
        try (Stream<Path> paths = Files.walk(tree)) {
            return paths.mapToLong(Ext4Image::blocksOf).sum();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot measure " + tree, e);
        }
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
