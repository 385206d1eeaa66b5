package dev.thaw.sandbox;

import dev.thaw.vmm.Vmm;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Empty copy-on-write overlays made once per base disk and copied for each clone: a copy
 * of an empty overlay is a new empty overlay, and copying a small file takes far less than
 * starting {@code qemu-img}, which is on every restore's path.
 */
final class OverlayTemplates {

    private final Vmm vmm;
    private final Path dir;

    OverlayTemplates(Vmm vmm, Path dir) {
        this.vmm = vmm;
        this.dir = dir;
    }

    /**
     * Creates an overlay of {@code base} at {@code overlay}.
     *
     * @param baseKey identifies the base's content (e.g. its sha256), so a template is never
     *                reused for a different disk at the same path
     */
    void create(Path base, String baseKey, Path overlay) {
        Path template = dir.resolve(baseKey + ".qcow2");
        try {
            if (!Files.exists(template)) {
                Files.createDirectories(dir);
                Path temp = Files.createTempFile(dir, ".template", ".qcow2");
                Files.delete(temp); // qemu-img creates the file itself
                vmm.createOverlay(base, temp);
                Files.move(temp, template, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
            Files.copy(template, overlay);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the disk overlay " + overlay, e);
        }
    }
}
