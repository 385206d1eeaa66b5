package dev.thaw.snapshot;

/**
 * The parts of this host and its guest inputs that a snapshot must match to be restored:
 * a different VMM version, accelerator, CPU model or guest input would resume a guest
 * into hardware or software it was not saved with. The kernel command line counts too: the
 * guest kernel read it once, at boot, so a changed argument only takes effect in a new
 * snapshot.
 */
public record HostProfile(
        String vmm,
        String vmmVersion,
        String accelerator,
        String cpuModel,
        int memoryMiB,
        int vcpus,
        String kernelDigest,
        String initrdDigest,
        String rootfsDigest,
        String agentVersion,
        String cmdline) {}
