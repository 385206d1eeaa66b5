package dev.thaw.images;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;

/**
 * Cuts the compressed kernel out of a bzImage and unpacks it into the ELF {@code vmlinux}
 * that QEMU's microvm boots through its PVH entry point. Offsets follow the x86 boot
 * protocol: {@code setup_sects} at 0x1f1, payload offset and length at 0x248 and 0x24c.
 */
final class BzImage {

    private static final byte[] LZ4_LEGACY = {0x02, 0x21, 0x4c, 0x18};
    private static final byte[] ELF = {0x7f, 'E', 'L', 'F'};

    private BzImage() {}

    /** The compressed payload inside {@code bzImage}. */
    static byte[] payload(byte[] bzImage) {
        if (bzImage.length < 0x250 || bzImage[0x202] != 'H' || bzImage[0x203] != 'd') {
            throw new ImageException(ImageException.Code.UNSUPPORTED, "not a bzImage: no 'HdrS' setup header");
        }
        ByteBuffer header = ByteBuffer.wrap(bzImage).order(ByteOrder.LITTLE_ENDIAN);
        int setupSects = Byte.toUnsignedInt(bzImage[0x1f1]);
        if (setupSects == 0) {
            setupSects = 4; // the boot protocol's rule for old kernels
        }
        int offset = header.getInt(0x248);
        int length = header.getInt(0x24c);
        int start = (setupSects + 1) * 512 + offset;
        if (start < 0 || length <= 0 || (long) start + length > bzImage.length) {
            throw new ImageException(ImageException.Code.UNSUPPORTED, "bzImage payload [" + start + ", +" + length
                    + ") lies outside the " + bzImage.length + "-byte file");
        }
        byte[] payload = new byte[length];
        System.arraycopy(bzImage, start, payload, 0, length);
        return payload;
    }

    /** Writes the uncompressed ELF kernel of {@code bzImage} to {@code vmlinux}. */
    static void extractVmlinux(Path bzImage, Path vmlinux) {
        try {
            byte[] payload = payload(Files.readAllBytes(bzImage));
            if (!startsWith(payload, LZ4_LEGACY)) {
                throw new ImageException(ImageException.Code.UNSUPPORTED, "kernel payload starts with "
                        + HexFormat.of().formatHex(payload, 0, Math.min(4, payload.length)) + " (" + compressionOf(payload)
                        + "); Thaw unpacks LZ4 legacy-frame kernels (02214c18) only, as Debian's cloud kernel is");
            }
            Path compressed = Files.createTempFile(vmlinux.getParent(), "payload", ".lz4");
            try {
                // The kernel build appends the unpacked size (4 bytes) after the LZ4 stream; lz4 rejects it.
                Files.write(compressed, java.util.Arrays.copyOf(payload, payload.length - 4));
                HostCommand.run(List.of("lz4", "-d", "-f", "-q", compressed.toString(), vmlinux.toString()));
            } finally {
                Files.deleteIfExists(compressed);
            }
            checkElf(vmlinux);
            // lz4 copies the temporary file's owner-only mode; QEMU may run as another user.
            Files.setPosixFilePermissions(vmlinux, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract vmlinux from " + bzImage, e);
        }
    }

    /** Names the compression a payload's magic number belongs to, for the error message. */
    static String compressionOf(byte[] payload) {
        String hex = HexFormat.of().formatHex(payload, 0, Math.min(6, payload.length));
        if (hex.startsWith("1f8b")) {
            return "gzip";
        } else if (hex.startsWith("fd377a585a00")) {
            return "xz";
        } else if (hex.startsWith("28b52ffd")) {
            return "zstd";
        } else if (hex.startsWith("425a68")) {
            return "bzip2";
        } else if (hex.startsWith("5d0000")) {
            return "lzma";
        } else if (hex.startsWith("894c5a")) {
            return "lzo";
        } else if (hex.startsWith("7f454c46")) {
            return "uncompressed ELF";
        }
        return "unknown compression";
    }

    private static void checkElf(Path vmlinux) throws IOException {
        byte[] head = new byte[4];
        try (var in = Files.newInputStream(vmlinux)) {
            if (in.read(head) != 4 || !startsWith(head, ELF)) {
                throw new ImageException(ImageException.Code.UNSUPPORTED, "unpacked kernel starts with "
                        + HexFormat.of().formatHex(head) + ", not the ELF magic 7f454c46");
            }
        }
        if (!PvhElf.hasPvhEntry(vmlinux)) {
            throw new ImageException(ImageException.Code.UNSUPPORTED, "unpacked kernel has no Xen PVH entry note; "
                    + "QEMU's microvm cannot boot it (the kernel needs CONFIG_PVH=y)");
        }
    }

    static boolean startsWith(byte[] data, byte[] prefix) {
        if (data.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (data[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }
}
