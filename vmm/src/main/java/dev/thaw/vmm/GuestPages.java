package dev.thaw.vmm;

import java.lang.foreign.MemorySegment;

/**
 * Receives a guest's RAM page by page while a VM whose memory is mapped privately is
 * snapshotted (see {@link Vm#snapshot(java.nio.file.Path, GuestPages)}). Pages arrive in
 * no particular order, each at most once per snapshot, from one thread.
 */
public interface GuestPages {

    /** Size of one page: guest RAM is described in these units. */
    int PAGE_SIZE = 4096;

    /** A page with data; {@code content} is {@link #PAGE_SIZE} bytes, valid only during the call. */
    void page(long offset, MemorySegment content);

    /** A page that holds only zeros. */
    void zeroPage(long offset);
}
