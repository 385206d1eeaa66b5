package dev.thaw.vmm.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.thaw.vmm.Accelerator;
import dev.thaw.vmm.VmmException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AcceleratorProbeTest {

    @TempDir
    Path dir;

    private AcceleratorProbe probe(String host, Path kvm) {
        return new AcceleratorProbe(dir.resolve("accelerator.json"), host, kvm);
    }

    private Path kvmDevice() throws Exception {
        return Files.createFile(dir.resolve("kvm"));
    }

    @Test
    void explicit_choices_are_taken_without_probing() {
        AcceleratorProbe.KvmTrial never = deadline -> {
            throw new AssertionError("must not probe");
        };

        assertThat(probe("h", dir.resolve("none")).resolve(AcceleratorChoice.KVM, never).accelerator())
                .isEqualTo(Accelerator.KVM);
        assertThat(probe("h", dir.resolve("none")).resolve(AcceleratorChoice.TCG, never).accelerator())
                .isEqualTo(Accelerator.TCG);
    }

    @Test
    void auto_without_kvm_device_uses_tcg_and_says_why() {
        var decision = probe("h", dir.resolve("missing")).resolve(AcceleratorChoice.AUTO, deadline -> true);

        assertThat(decision.accelerator()).isEqualTo(Accelerator.TCG);
        assertThat(decision.reason()).contains("missing or not accessible");
    }

    @Test
    void auto_with_kvm_that_does_not_boot_falls_back_to_tcg_and_remembers() throws Exception {
        Path kvm = kvmDevice();
        AtomicInteger trials = new AtomicInteger();
        AcceleratorProbe.KvmTrial slow = deadline -> {
            trials.incrementAndGet();
            return false;
        };

        var first = probe("host-1", kvm).resolve(AcceleratorChoice.AUTO, slow);
        var second = probe("host-1", kvm).resolve(AcceleratorChoice.AUTO, slow);

        assertThat(first.accelerator()).isEqualTo(Accelerator.TCG);
        assertThat(first.reason()).contains("did not boot");
        assertThat(second.accelerator()).isEqualTo(Accelerator.TCG);
        assertThat(second.reason()).contains("probed earlier");
        assertThat(trials).hasValue(1);
    }

    @Test
    void auto_with_kvm_under_which_qemu_dies_falls_back_to_tcg_and_says_why() throws Exception {
        AcceleratorProbe.KvmTrial crashing = deadline -> {
            throw new VmmException(VmmException.Code.LAUNCH_FAILED, "QEMU did not come up: QMP connection lost");
        };

        var decision = probe("host-1", kvmDevice()).resolve(AcceleratorChoice.AUTO, crashing);

        assertThat(decision.accelerator()).isEqualTo(Accelerator.TCG);
        assertThat(decision.reason()).contains("QEMU failed under it").contains("QMP connection lost");
    }

    @Test
    void auto_with_working_kvm_uses_it() throws Exception {
        var decision = probe("host-1", kvmDevice()).resolve(AcceleratorChoice.AUTO, deadline -> true);

        assertThat(decision.accelerator()).isEqualTo(Accelerator.KVM);
        assertThat(AcceleratorProbe.cpuModel(decision.accelerator())).isEqualTo("host");
    }

    @Test
    void a_new_host_kernel_or_qemu_probes_again() throws Exception {
        Path kvm = kvmDevice();
        AtomicInteger trials = new AtomicInteger();
        AcceleratorProbe.KvmTrial counting = deadline -> trials.incrementAndGet() > 0;

        probe("kernel 6.1, qemu 7.2", kvm).resolve(AcceleratorChoice.AUTO, counting);
        probe("kernel 6.2, qemu 7.2", kvm).resolve(AcceleratorChoice.AUTO, counting);

        assertThat(trials).hasValue(2);
    }
}
