package dev.thaw.vmm;

import java.nio.file.Path;
import java.util.Objects;

/**
 * What carries the packets of the guest's network card on the host. Every sandbox has the
 * card, because a clone must have the hardware its snapshot was taken with; whether its
 * packets go anywhere is decided per clone, at restore.
 */
public sealed interface NetworkBackend {

    /** The card is there but nothing is behind it: the guest has no network. */
    record Unplugged() implements NetworkBackend {}

    /**
     * Packets go to the tap device {@code tap} inside the network namespace whose handle is
     * {@code namespace} (a file such as {@code /run/netns/NAME}); the VMM runs in that
     * namespace, so clones that all carry the same guest address never meet.
     */
    record Tap(Path namespace, String tap) implements NetworkBackend {
        public Tap {
            Objects.requireNonNull(namespace, "namespace");
            Objects.requireNonNull(tap, "tap");
        }
    }

    NetworkBackend UNPLUGGED = new Unplugged();
}
