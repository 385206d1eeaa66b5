package dev.thaw.sandbox.network;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Makes, resets and removes a slot's namespace on the host. Inside the namespace: the
 * veth end that faces the host, the tap the guest's card is attached to, and a firewall
 * that forwards everything the host sends to the sandbox's address on to the guest and
 * lets the guest answer, but lets nothing the guest starts leave the tap: not to the host,
 * not to other sandboxes, not to the namespace itself.
 */
class NetworkNamespaces {

    /**
     * Work done ahead of time runs at the lowest CPU priority: on a small host, making the
     * next namespace should not slow the restore that just took the last one.
     */
    private static final List<String> BACKGROUND = List.of("nice", "-n", "19");

    private final boolean background;

    NetworkNamespaces(boolean background) {
        this.background = background;
    }

    private void run(List<String> command, String input) {
        if (!background) {
            HostNetworkCommand.run(command, input);
            return;
        }
        List<String> niced = new ArrayList<>(BACKGROUND);
        niced.addAll(command);
        HostNetworkCommand.run(niced, input);
    }

    private void run(List<String> command) {
        run(command, "");
    }

    void create(NetworkSlot slot) {
        removeLingeringHostLink(slot);
        String ns = slot.namespace();
        run(List.of("ip", "-batch", "-"), String.join("\n",
                "netns add " + ns,
                "link add " + slot.hostLink() + " type veth peer name " + NetworkSlot.INNER_LINK + " netns " + ns,
                "addr add " + slot.hostAddress() + "/30 dev " + slot.hostLink(),
                "link set " + slot.hostLink() + " up", ""));
        run(List.of("ip", "-n", ns, "-batch", "-"), String.join("\n",
                "addr add " + slot.sandboxAddress() + "/30 dev " + NetworkSlot.INNER_LINK,
                "link set " + NetworkSlot.INNER_LINK + " up",
                "tuntap add dev " + NetworkSlot.TAP + " mode tap",
                "addr add " + GuestNetwork.GATEWAY + "/" + GuestNetwork.PREFIX + " dev " + NetworkSlot.TAP,
                "link set " + NetworkSlot.TAP + " up", ""));
        // /proc/sys/net belongs to the namespace of whoever opens it, so this enables
        // forwarding inside the sandbox's namespace only.
        run(inside(slot, "echo 1 > /proc/sys/net/ipv4/ip_forward && exec nft -f -"),
                firewall(slot));
    }

    /** Forgets what the last guest left: neighbour entries and tracked connections. */
    void reset(NetworkSlot slot) {
        run(inside(slot, "ip neigh flush all && conntrack -F"));
    }

    /** Removes the namespace, and with it the veth pair and the tap; nothing if it is gone. */
    void delete(NetworkSlot slot) {
        if (Files.exists(slot.namespacePath())) {
            run(List.of("ip", "netns", "delete", slot.namespace()));
        }
        removeLingeringHostLink(slot);
    }

    /** The kernel removes a deleted namespace's links a moment later, not at once. */
    private void removeLingeringHostLink(NetworkSlot slot) {
        if (Files.exists(Path.of("/sys/class/net", slot.hostLink()))) {
            try {
                run(List.of("ip", "link", "delete", slot.hostLink()));
            } catch (RuntimeException gone) {
                // Removed by the kernel meanwhile: what this wanted.
            }
        }
    }

    private static List<String> inside(NetworkSlot slot, String script) {
        return List.of("nsenter", "--net=" + slot.namespacePath(), "--", "sh", "-c", script);
    }

    static String firewall(NetworkSlot slot) {
        String tap = '"' + NetworkSlot.TAP + '"';
        String link = '"' + NetworkSlot.INNER_LINK + '"';
        return String.join("\n",
                "table inet thaw {",
                "  chain prerouting {",
                "    type nat hook prerouting priority dstnat; policy accept;",
                "    iifname " + link + " ip daddr " + slot.sandboxAddress() + " dnat ip to " + GuestNetwork.GUEST,
                "  }",
                "  chain forward {",
                "    type filter hook forward priority filter; policy drop;",
                "    ct state established,related accept",
                "    iifname " + link + " oifname " + tap + " ip saddr " + slot.hostAddress()
                        + " ct state new accept",
                "  }",
                "  chain input {",
                "    type filter hook input priority filter; policy accept;",
                "    iifname " + tap + " drop",
                "  }",
                "}", "");
    }
}
