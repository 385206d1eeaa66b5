package dev.thaw.images;

import java.nio.file.Path;

/**
 * A bootable guest: Debian's cloud kernel as a PVH {@code vmlinux} and an initramfs with
 * busybox, the virtio modules and the guest agent. Both files are named by their sha256.
 *
 * @param kernelVersion the Debian package version the kernel came from
 * @param agentVersion  version of the guest agent inside the initramfs
 */
public record GuestKernel(
        Path vmlinux,
        String vmlinuxDigest,
        Path initrd,
        String initrdDigest,
        String kernelVersion,
        String agentVersion) {}
