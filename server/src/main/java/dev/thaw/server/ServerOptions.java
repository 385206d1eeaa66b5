package dev.thaw.server;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Map;

/**
 * How {@code thaw serve} listens and admits work.
 *
 * @param token        required as {@code Authorization: Bearer TOKEN} on every endpoint but
 *                     {@code /healthz}; null for none, which only a loopback address allows
 * @param maxVms       live VMs at most; requests beyond wait for a slot
 * @param queueTimeout how long a request waits for a slot before a 503 with Retry-After
 * @param drainTimeout how long a stop lets running requests finish before their VMs are stopped
 * @param idleTimeout  a sandbox created with {@code POST /v1/sandboxes} expires after this long unused
 * @param pools        warm sandboxes kept ready per language id
 * @param netPoolSize  network namespaces kept ready for sandboxes that ask for network
 */
public record ServerOptions(String host, int port, String token, int maxVms, Duration queueTimeout,
        Duration drainTimeout, Duration idleTimeout, Map<String, Integer> pools, int netPoolSize) {

    public static final int DEFAULT_PORT = 8080;
    public static final Duration DEFAULT_QUEUE_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(10);
    /** Namespaces kept ready at most: each costs host interfaces, not memory worth counting. */
    public static final int MAX_NET_POOL = 1024;

    /** A server without pools whose sandboxes expire after the default idle time. */
    public ServerOptions(String host, int port, String token, int maxVms, Duration queueTimeout,
            Duration drainTimeout) {
        this(host, port, token, maxVms, queueTimeout, drainTimeout, DEFAULT_IDLE_TIMEOUT, Map.of(), 0);
    }

    public ServerOptions {
        if (maxVms < 1) {
            throw new IllegalArgumentException("--max-vms must be at least 1, was " + maxVms);
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0-65535, was " + port);
        }
        if (netPoolSize < 0 || netPoolSize > MAX_NET_POOL) {
            throw new IllegalArgumentException("--net-pool-size must be between 0 and " + MAX_NET_POOL + ", was "
                    + netPoolSize);
        }
        token = token == null || token.isBlank() ? null : token;
        pools = Map.copyOf(pools);
        int pooled = pools.values().stream().mapToInt(Integer::intValue).sum();
        if (pooled >= maxVms) {
            throw new IllegalArgumentException("the pools hold " + pooled + " sandboxes but --max-vms is " + maxVms
                    + ": raise --max-vms above the pools' total so requests still get a slot");
        }
    }

    /** Pool sizes per language from {@code python=2,sh=1}. */
    public static Map<String, Integer> parsePools(String spec) {
        return WarmPool.parseSizes(spec);
    }

    public ServerOptions withPools(Map<String, Integer> sizes, Duration idle) {
        return new ServerOptions(host, port, token, maxVms, queueTimeout, drainTimeout, idle, sizes, netPoolSize);
    }

    public ServerOptions withNetPool(int size) {
        return new ServerOptions(host, port, token, maxVms, queueTimeout, drainTimeout, idleTimeout, pools, size);
    }

    /** Refuses to serve on a non-loopback address without a token: anyone there could run code. */
    public void checkExposure() {
        if (token == null && !isLoopback()) {
            throw new IllegalArgumentException("refusing to listen on " + host + " without an API token: anyone who "
                    + "reaches it could run code on this host. Set --token or THAW_TOKEN, or listen on 127.0.0.1");
        }
    }

    private boolean isLoopback() {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("cannot resolve the listen address '" + host + "'", e);
        }
    }

    /**
     * As many VMs as fit in half of the host's free memory at {@code vmMemoryMiB} each, at
     * least one: a restored clone shares its snapshot's pages, so this errs on the safe side.
     */
    public static int defaultMaxVms(int vmMemoryMiB) {
        long freeMiB = MemoryInfo.availableMiB();
        return (int) Math.max(1, freeMiB / 2 / vmMemoryMiB);
    }
}
