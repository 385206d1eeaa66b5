package dev.thaw.images;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.TreeMap;
import org.apache.commons.compress.archivers.cpio.CpioArchiveEntry;
import org.apache.commons.compress.archivers.cpio.CpioConstants;
import org.apache.commons.compress.archivers.cpio.CpioArchiveOutputStream;

/**
 * A newc cpio archive for the kernel to unpack as its initramfs. Entries are written in
 * path order with zero timestamps and root ownership, so the same inputs give the same bytes.
 */
final class Initramfs {

    private sealed interface Entry permits Dir, File, Link, CharDevice {}

    private record Dir() implements Entry {}

    private record File(byte[] content, int mode) implements Entry {}

    private record Link(String target) implements Entry {}

    private record CharDevice(int major, int minor) implements Entry {}

    private final TreeMap<String, Entry> entries = new TreeMap<>();

    Initramfs directory(String path) {
        String clean = strip(path);
        for (int slash = clean.indexOf('/'); slash > 0; slash = clean.indexOf('/', slash + 1)) {
            entries.putIfAbsent(clean.substring(0, slash), new Dir());
        }
        entries.put(clean, new Dir());
        return this;
    }

    Initramfs file(String path, byte[] content, int mode) {
        String clean = strip(path);
        parentOf(clean);
        entries.put(clean, new File(content, mode));
        return this;
    }

    Initramfs file(String path, Path source, int mode) {
        try {
            return file(path, Files.readAllBytes(source), mode);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + source, e);
        }
    }

    Initramfs symlink(String path, String target) {
        String clean = strip(path);
        parentOf(clean);
        entries.put(clean, new Link(target));
        return this;
    }

    /** A character device node, e.g. /dev/console, which the kernel opens for init before any mount. */
    Initramfs charDevice(String path, int major, int minor) {
        String clean = strip(path);
        parentOf(clean);
        entries.put(clean, new CharDevice(major, minor));
        return this;
    }

    void writeTo(OutputStream out) throws IOException {
        try (CpioArchiveOutputStream cpio = new CpioArchiveOutputStream(out, CpioConstants.FORMAT_NEW)) {
            long inode = 1;
            for (var e : entries.entrySet()) {
                write(cpio, e.getKey(), e.getValue(), inode++);
            }
        }
    }

    private static void write(CpioArchiveOutputStream cpio, String path, Entry entry, long inode) throws IOException {
        CpioArchiveEntry header = new CpioArchiveEntry(CpioConstants.FORMAT_NEW, path);
        header.setInode(inode);
        header.setTime(0);
        header.setUID(0);
        header.setGID(0);
        header.setNumberOfLinks(1);
        byte[] data = switch (entry) {
            case Dir d -> {
                header.setMode(CpioConstants.C_ISDIR | 0755);
                yield new byte[0];
            }
            case File f -> {
                header.setMode(CpioConstants.C_ISREG | f.mode());
                yield f.content();
            }
            case Link l -> {
                header.setMode(CpioConstants.C_ISLNK | 0777);
                yield l.target().getBytes(StandardCharsets.UTF_8);
            }
            case CharDevice c -> {
                header.setMode(CpioConstants.C_ISCHR | 0600);
                header.setRemoteDeviceMaj(c.major());
                header.setRemoteDeviceMin(c.minor());
                yield new byte[0];
            }
        };
        header.setSize(data.length);
        cpio.putArchiveEntry(header);
        cpio.write(data);
        cpio.closeArchiveEntry();
    }

    private void parentOf(String path) {
        int slash = path.lastIndexOf('/');
        if (slash > 0) {
            directory(path.substring(0, slash));
        }
    }

    private static String strip(String path) {
        return path.startsWith("/") ? path.substring(1) : path;
    }
}
