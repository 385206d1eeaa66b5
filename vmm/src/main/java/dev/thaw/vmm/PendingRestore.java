package dev.thaw.vmm;

/**
 * A restore started ahead of need: the VMM process is up with the snapshot's memory file
 * mapped and its disks open, and waits for the device state, which {@link #load()} reads.
 * What is left to do then is a few milliseconds; starting the process is what took long.
 * Closing one that was never loaded stops its process and removes its run directory.
 */
public interface PendingRestore extends AutoCloseable {

    /**
     * Loads the device state; the returned VM is {@link VmState#PAUSED} and owns the process
     * from now on. On failure the process is stopped.
     */
    Vm load();

    @Override
    void close();
}
