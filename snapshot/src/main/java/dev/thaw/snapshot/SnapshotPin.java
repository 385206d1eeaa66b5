package dev.thaw.snapshot;

/**
 * Keeps a snapshot from being evicted while a VM maps its files; see {@link SnapshotStore#pin}.
 * Closing it lets the snapshot go; a pin of a process that died no longer counts.
 */
public interface SnapshotPin extends AutoCloseable {

    @Override
    void close();
}
