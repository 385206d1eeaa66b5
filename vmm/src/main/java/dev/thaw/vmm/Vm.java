package dev.thaw.vmm;

import java.nio.file.Path;
import java.time.Duration;

/**
 * One running guest. Closing it stops the VMM process and removes everything the VM
 * created in its run directory (sockets, logs); it is safe to close twice.
 */
public interface Vm extends AutoCloseable {

    String id();

    VmState state();

    /** Unix socket on which the guest agent's channel is exposed to the host. */
    Path agentSocket();

    /** File the guest's serial console is written to (kernel messages, init errors). */
    Path serialLog();

    void pause();

    void resume();

    /**
     * Pauses the guest and writes its device state to {@code vmstate}. Guest memory is
     * not copied: it already lives in the spec's memory file, which must be shared.
     * The VM stays paused afterwards.
     */
    void snapshot(Path vmstate);

    /**
     * Pauses the guest and writes its device state to {@code vmstate} without its RAM, which
     * goes to {@code pages} instead, page by page: how a VM whose memory is mapped privately
     * (a clone) is snapshotted, so that the caller can keep only the pages that differ from
     * what the clone was restored from. The VM stays paused afterwards and can be resumed.
     */
    void snapshot(Path vmstate, GuestPages pages);

    /** Stops the guest and the VMM process; idempotent. */
    void stop();

    /**
     * Waits for the VMM process to exit on its own (e.g. after a guest panic or poweroff).
     *
     * @return the process exit code, or empty if it did not exit within {@code timeout}
     */
    java.util.OptionalInt awaitExit(Duration timeout);

    @Override
    void close();
}
