package dev.thaw.cli;

import dev.thaw.sandbox.RuntimeOptions;
import dev.thaw.sandbox.ThawRuntime;
import dev.thaw.server.ServerOptions;
import dev.thaw.server.ThawServer;
import dev.thaw.vmm.VmShutdown;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serves Thaw's HTTP API (and Piston's v2 API) until Ctrl-C or SIGTERM, which drain:",
                "new requests get 503, running ones finish (up to --drain-timeout), then every VM stops.",
                "The API is described at GET /openapi.json."})
final class ServeCommand implements Callable<Integer> {

    @ParentCommand
    ThawCommand thaw;

    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:8080",
            description = "Address to listen on; port 0 picks a free one (default: ${DEFAULT-VALUE}).")
    String listen;

    @Option(names = "--token", paramLabel = "TOKEN", defaultValue = "${env:THAW_TOKEN}",
            description = {"API token clients send as 'Authorization: Bearer TOKEN' (default: $THAW_TOKEN).",
                    "Required to listen on a non-loopback address."})
    String token;

    @Option(names = "--max-vms", paramLabel = "N",
            description = "Live VMs at most (default: as many as fit in half the free memory).")
    Integer maxVms;

    @Option(names = "--queue-timeout", paramLabel = "DURATION", defaultValue = "10s", converter = DurationConverter.class,
            description = "How long a request waits for a VM slot before a 503 (default: ${DEFAULT-VALUE}).")
    Duration queueTimeout;

    @Option(names = "--drain-timeout", paramLabel = "DURATION", defaultValue = "30s", converter = DurationConverter.class,
            description = "How long a stop lets running requests finish (default: ${DEFAULT-VALUE}).")
    Duration drainTimeout;

    @Option(names = "--pool", paramLabel = "LANG=N[,LANG=N...]",
            description = {"Warm sandboxes kept restored and paused per language, e.g. python=2: a request",
                    "takes one instead of waiting for a restore. Each holds a VM slot."})
    String pools;

    @Option(names = "--net-pool-size", paramLabel = "N", defaultValue = "0",
            description = {"Network namespaces (veth + tap + firewall) kept ready for sandboxes that ask for",
                    "network, so they do not wait for one (default: ${DEFAULT-VALUE}; made on demand)."})
    int netPoolSize;

    @Mixin
    StandbyVmmsOption standbyVmms = new StandbyVmmsOption();

    @Option(names = "--idle-timeout", paramLabel = "DURATION", defaultValue = "10m", converter = DurationConverter.class,
            description = "A sandbox from POST /v1/sandboxes expires after this long unused (default: ${DEFAULT-VALUE}).")
    Duration idleTimeout;

    @Override
    public Integer call() throws InterruptedException {
        ServerOptions options = options();
        options.checkExposure(); // before building images or probing KVM
        ThawRuntime runtime = thaw.runtime(standbyVmms.count());
        ThawServer server = new ThawServer(runtime, options).start();
        System.out.println("thaw serve: listening on http://" + options.host() + ":" + server.port()
                + " (max " + options.maxVms() + " VMs)");
        System.out.flush();
        VmShutdown.drainFirst(() -> {
            System.err.println("thaw serve: draining");
            server.drain();
            System.err.println("thaw serve: stopped");
        });
        new CountDownLatch(1).await(); // until a signal: the JVM then drains and exits
        return 0;
    }

    private ServerOptions options() {
        int colon = listen.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("--listen must be HOST:PORT, e.g. 127.0.0.1:8080; was '" + listen + "'");
        }
        int port;
        try {
            port = Integer.parseInt(listen.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--listen must end in a port number, e.g. 127.0.0.1:8080; was '"
                    + listen + "'");
        }
        int vms = maxVms != null ? maxVms : ServerOptions.defaultMaxVms(RuntimeOptions.DEFAULT_MEMORY_MIB);
        return new ServerOptions(listen.substring(0, colon), port, token, vms, queueTimeout, drainTimeout)
                .withPools(ServerOptions.parsePools(pools), idleTimeout).withNetPool(netPoolSize);
    }
}
