package dev.thaw.sandbox.network;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/** The pool with real namespaces on this host (no guests: the sandbox tests attach those). */
class NetworkPoolTest {

    @Test
    void fills_ahead_lends_reuses_what_comes_back_and_removes_everything_on_close() throws Exception {
        NetworkSlot lentSlot;
        try (NetworkPool pool = NetworkPool.onHost(2)) {
            pool.fill();
            await(() -> pool.ready() == 2);

            NetworkLease lease = pool.lease();
            lentSlot = lease.slot();
            assertThat(Files.exists(lentSlot.namespacePath())).isTrue();
            await(() -> pool.ready() == 2); // refilled behind the lease

            lease.close();
            Thread.sleep(500);
            assertThat(pool.ready()).isEqualTo(2); // the pool was full: the returned one went
            assertThat(Files.exists(lentSlot.namespacePath())).isFalse();

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
        try (NetworkPool pool = NetworkPool.onHost(1)) {
            NetworkLease first = pool.lease(); // made on the spot: nothing was ready
            pool.resize(1);
            await(() -> pool.ready() == 1);
            NetworkLease second = pool.lease();
            first.close();
            await(() -> pool.ready() == 1);
            NetworkLease third = pool.lease();

            assertThat(third.slot()).isEqualTo(first.slot());
            second.close();
            third.close();
        }
        assertThat(thawNamespaces()).isZero();
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
