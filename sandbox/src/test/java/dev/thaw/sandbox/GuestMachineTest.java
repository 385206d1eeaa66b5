package dev.thaw.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.thaw.images.GuestKernel;
import dev.thaw.vmm.Accelerator;
import dev.thaw.vmm.DiskChain;
import dev.thaw.vmm.VmSpec;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class GuestMachineTest {

    private static final Path RUN = Path.of("/run/thaw/vm-1");
    private final GuestMachine machine = new GuestMachine(null, new GuestKernel(Path.of("vmlinux"), "k", Path.of("initrd"),
            "i", "6.1", "agent"), Accelerator.TCG, "max", 512, 1, GuestMachine.cmdline(2_000_000));

    @Test
    void a_cold_boot_tells_the_guest_not_to_start_its_resident_runner() {
        GuestMachine cold = machine.withoutResidentRunner();

        assertThat(spec(cold).cmdline()).isEqualTo(machine.cmdline() + " thaw.resident=off");
        assertThat(cold.memoryMiB()).isEqualTo(machine.memoryMiB());
        assertThat(cold.kernel()).isEqualTo(machine.kernel());
    }

    @Test
    void guests_booted_for_snapshots_and_restored_ones_keep_the_runner_and_the_command_line_manifests_record() {
        assertThat(machine.cmdline()).doesNotContain("thaw.resident");
        assertThat(spec(machine).cmdline()).isEqualTo(machine.cmdline());
    }

    private static VmSpec spec(GuestMachine m) {
        return m.spec("vm-1", RUN.resolve("memory"), true, DiskChain.over(Path.of("root.erofs"), RUN.resolve("disk.qcow2")),
                RUN);
    }
}
