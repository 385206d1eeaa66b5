package dev.thaw.vmm;

import java.nio.file.Path;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A raw image attached read-only beside the root disk, e.g. a shared layer of the root
 * filesystem. The guest finds it by {@code serial}, not by its order on the bus.
 */
public record ReadOnlyDisk(String serial, Path file) {

    /** virtio-blk serials hold 20 bytes; QEMU option syntax forbids commas. */
    private static final Pattern SERIAL = Pattern.compile("[A-Za-z0-9-]{1,20}");

    public ReadOnlyDisk {
        Objects.requireNonNull(file, "file");
        if (serial == null || !SERIAL.matcher(serial).matches()) {
            throw new IllegalArgumentException("disk serial '" + serial + "' must match " + SERIAL.pattern());
        }
    }
}
