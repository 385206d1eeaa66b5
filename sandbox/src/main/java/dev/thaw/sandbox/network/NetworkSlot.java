package dev.thaw.sandbox.network;

import java.nio.file.Path;

/**
 * One network namespace for one sandbox, and the point-to-point link (a veth pair) that
 * joins it to the host. Slot {@code n} owns the n-th /30 of {@value #RANGE}: the host end
 * takes its first address and the namespace end its second, which is the sandbox's address
 * as the host sees it.
 */
public record NetworkSlot(int index) {

    /**
     * Private addresses rarely used by other software; 16384 /30s. A host that routes this
     * range elsewhere would need another one here.
     */
    public static final String RANGE = "10.213.0.0/16";
    public static final int MAX_SLOTS = 16_384;
    /** The tap the guest's card is attached to, and the namespace's end of the veth pair. */
    static final String TAP = "tap0";
    static final String INNER_LINK = "veth0";
    private static final String PREFIX = "thaw-";

    public NetworkSlot {
        if (index < 0 || index >= MAX_SLOTS) {
            throw new IllegalArgumentException("slot index must be in [0, " + MAX_SLOTS + "), was " + index);
        }
    }

    /** The namespace's name, as {@code ip netns} knows it. */
    public String namespace() {
        return PREFIX + index;
    }

    /** The handle QEMU's launcher enters. */
    public Path namespacePath() {
        return Path.of("/run/netns", namespace());
    }

    /** The host's end of the veth pair; interface names have at most 15 characters. */
    String hostLink() {
        return "thaw-h" + index;
    }

    public String hostAddress() {
        return address(1);
    }

    /** Where the host reaches the sandbox's guest: the namespace forwards all of it there. */
    public String sandboxAddress() {
        return address(2);
    }

    private String address(int offset) {
        int host = index * 4 + offset;
        return "10.213." + (host >> 8) + "." + (host & 0xFF);
    }

    /** The slot a namespace name belongs to, or -1 for a name Thaw did not give. */
    static int indexOf(String namespace) {
        if (!namespace.startsWith(PREFIX)) {
            return -1;
        }
        try {
            int index = Integer.parseInt(namespace.substring(PREFIX.length()));
            return index >= 0 && index < MAX_SLOTS ? index : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
