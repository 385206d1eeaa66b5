package dev.thaw.sandbox.network;

/**
 * The address every guest gives its network card at boot, and so every clone of every
 * snapshot carries. Clones never meet: each one with network sits alone on the tap of its
 * own namespace, which translates the sandbox's unique address to this one.
 */
public final class GuestNetwork {

    /** The guest's address; a /30 holds it and the tap's. */
    public static final String GUEST = "172.16.0.2";
    /** The tap's address inside a sandbox's namespace, the guest's gateway. */
    public static final String GATEWAY = "172.16.0.1";
    public static final int PREFIX = 30;

    private GuestNetwork() {}

    /** The kernel argument the guest's init reads to configure eth0. */
    public static String kernelArgument() {
        return "thaw.net=" + GUEST + "/" + PREFIX + "," + GATEWAY;
    }
}
