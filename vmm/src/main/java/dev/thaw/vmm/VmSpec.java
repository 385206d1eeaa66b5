package dev.thaw.vmm;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Everything that defines a guest's hardware. A clone must be started with a spec whose
 * hardware fields equal the template's; only host-side paths may differ.
 *
 * @param runDir       private directory for this VM's sockets and logs; created by the VMM
 *                     and deleted when the VM is closed
 * @param memoryFile   file backing guest RAM
 * @param sharedMemory true to map the file shared (a template that will be snapshotted),
 *                     false to map it private copy-on-write (a clone)
 * @param disk         the root disk as a chain of layers over a base image; null for none
 * @param cpuModel     CPU model passed to the VMM, recorded in snapshots
 * @param network      what backs the guest's network card; null for a guest without one
 */
public record VmSpec(
        String id,
        Path kernel,
        Path initrd,
        String cmdline,
        int memoryMiB,
        int vcpus,
        Accelerator accelerator,
        String cpuModel,
        Path memoryFile,
        boolean sharedMemory,
        DiskChain disk,
        NetworkBackend network,
        Path runDir) {

    public VmSpec {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(cmdline, "cmdline");
        Objects.requireNonNull(accelerator, "accelerator");
        Objects.requireNonNull(cpuModel, "cpuModel");
        Objects.requireNonNull(memoryFile, "memoryFile");
        Objects.requireNonNull(runDir, "runDir");
        if (memoryMiB < 64) {
            throw new IllegalArgumentException("memoryMiB must be at least 64, was " + memoryMiB);
        }
        if (vcpus < 1) {
            throw new IllegalArgumentException("vcpus must be at least 1, was " + vcpus);
        }
    }
}
