package dev.thaw.sandbox;

import dev.thaw.vmm.Vmm;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Empty copy-on-write layers, made once per disk size and copied for each clone: a copy of
 * an empty layer is a new empty layer, and copying a small file takes far less than
 * starting {@code qemu-img}, which would be on every restore's path. A layer's backing is
 * given to the VMM with the disk chain, so one template serves every disk of its size.
 */
final class OverlayTemplates {

    private final Vmm vmm;
    private final Path dir;

    OverlayTemplates(Vmm vmm, Path dir) {
        this.vmm = vmm;
        this.dir = dir;
    }

    /** Creates an empty layer of {@code virtualBytes} at {@code overlay}. */
    void create(long virtualBytes, Path overlay) {
        Path template = dir.resolve("empty-" + virtualBytes + ".qcow2");
        try {
            if (!Files.exists(template)) {
                Files.createDirectories(dir);
                Path temp = Files.createTempFile(dir, ".template", ".qcow2");
                Files.delete(temp); // qemu-img creates the file itself
                vmm.createLayer(temp, virtualBytes, null);
                Files.move(temp, template, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
            Files.copy(template, overlay);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the disk overlay " + overlay, e);
        }
    }
}
