package dev.thaw.sandbox;

import dev.thaw.vmm.DiskChain;
import dev.thaw.vmm.PendingRestore;

/**
 * A restore's VMM process, started and waiting for its device state, with the run directory
 * and the disk chain (its own empty top layer included) it was started with. Closing it
 * before {@link PendingRestore#load()} stops the process and deletes the directory.
 */
record StartedVmm(RunDirectories.RunDir runDir, DiskChain disk, PendingRestore restore) implements AutoCloseable {

    @Override
    public void close() {
        restore.close();
        runDir.close();
    }
}
