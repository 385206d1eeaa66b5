package dev.thaw.sandbox.network;

import dev.thaw.vmm.NetworkBackend;
import java.util.concurrent.atomic.AtomicBoolean;

/** A slot lent to one sandbox; closing gives it back to its pool, once. */
public final class NetworkLease implements AutoCloseable {

    private final NetworkPool pool;
    private final SlotClaims.Claim claim;
    private final AtomicBoolean returned = new AtomicBoolean();

    NetworkLease(NetworkPool pool, SlotClaims.Claim claim) {
        this.pool = pool;
        this.claim = claim;
    }

    public NetworkSlot slot() {
        return claim.slot();
    }

    /** What the sandbox's VMM attaches the guest's card to. */
    public NetworkBackend backend() {
        return new NetworkBackend.Tap(claim.slot().namespacePath(), NetworkSlot.TAP);
    }

    /** Call only once the VMM that used the tap has exited. */
    @Override
    public void close() {
        if (returned.compareAndSet(false, true)) {
            pool.giveBack(claim);
        }
    }
}
