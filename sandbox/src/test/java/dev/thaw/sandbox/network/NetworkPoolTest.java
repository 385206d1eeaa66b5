package dev.thaw.sandbox.network;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/** The pool with real namespaces on this host (no guests: the sandbox tests attach those). */
class NetworkPoolTest {

    @Test
    void fills_ahead_lends_reuses_what_comes_back_and_removes_everything_on_close() throws Exception {
        try (NetworkPool pool = NetworkPool.onHost(2)) {
            pool.fill();
            await(() -> pool.ready() == 2);

            NetworkLease lease = pool.lease();
            assertThat(Files.exists(lease.slot().namespacePath())).isTrue();
            await(() -> pool.ready() == 2); // refilled behind the lease

            lease.close();
            await(() -> !Files.exists(lease.slot().namespacePath())); // the pool was full: the returned one went
            assertThat(pool.ready()).isEqualTo(2);

            NetworkLease again = pool.lease();
            pool.resize(0);
            assertThat(pool.ready()).isZero();
            again.close();
            await(() -> !Files.exists(again.slot().namespacePath()));
        }
        assertThat(thawNamespaces()).isZero();
    }

    @Test
    void a_returned_namespace_is_reset_and_lent_again_while_the_pool_is_short() throws Exception {
        // Host commands recorded instead of run, and making a namespace held back, so that the
        // return arrives while the pool is short; what the commands do is tested above.
        Semaphore creates = new Semaphore(2); // the first lease's and its refill's; the next one waits
        List<String> done = new CopyOnWriteArrayList<>();
        NetworkNamespaces recorded = new NetworkNamespaces(true) {
            @Override
            void create(NetworkSlot slot) {
                try {
                    creates.acquire();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                done.add("create " + slot.index());
            }

            @Override
            void reset(NetworkSlot slot) {
                done.add("reset " + slot.index());
            }

            @Override
            void delete(NetworkSlot slot) {
                done.add("delete " + slot.index());
            }
        };
        try (NetworkPool pool = new NetworkPool(SlotClaims.onHost(), recorded, recorded, 1)) {
            NetworkLease first = pool.lease();
            await(() -> pool.ready() == 1); // the refill behind it
            NetworkLease second = pool.lease();
            NetworkLease held = null;
            try {
                first.close(); // the pool is short: the refill for `second` is held back
                await(() -> done.contains("reset " + first.slot().index()));
                await(() -> pool.ready() == 1);
                held = pool.lease();
                assertThat(held.slot()).isEqualTo(first.slot());
            } finally {
                creates.release(10);
                second.close();
                if (held != null) {
                    held.close();
                }
            }
        }
    }

    @Test
    void namespaces_whose_owner_died_are_removed_at_the_next_start() {
        NetworkNamespaces namespaces = new NetworkNamespaces(false);
        SlotClaims.Claim claim = SlotClaims.onHost().claimFree();
        namespaces.create(claim.slot());
        claim.close(); // what the kernel does to a killed process's lock

        int removed = NetworkPool.onHost(0).removeLeftovers();

        assertThat(removed).isEqualTo(1);
        assertThat(Files.exists(claim.slot().namespacePath())).isFalse();
    }

    @Test
    void the_firewall_forwards_the_hosts_connections_to_the_guest_and_nothing_the_guest_starts() {
        String rules = NetworkNamespaces.firewall(new NetworkSlot(5));

        assertThat(rules).contains("ip daddr 10.213.0.22 dnat ip to 172.16.0.2")
                .contains("policy drop;")
                .contains("oifname \"tap0\" ip saddr 10.213.0.21 ct state new accept")
                .contains("iifname \"tap0\" drop");
    }

    private static long thawNamespaces() throws Exception {
        if (!Files.isDirectory(java.nio.file.Path.of("/run/netns"))) {
            return 0;
        }
        try (var entries = Files.list(java.nio.file.Path.of("/run/netns"))) {
            return entries.filter(p -> NetworkSlot.indexOf(p.getFileName().toString()) >= 0
                    && SlotClaims.onHost().tryClaim(NetworkSlot.indexOf(p.getFileName().toString()))
                            .map(c -> { c.close(); return true; }).orElse(false)).count();
        }
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 20 s");
            }
            Thread.sleep(20);
        }
    }
}
