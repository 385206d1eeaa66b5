package dev.thaw.snapshot;

import static dev.thaw.snapshot.SnapshotFixtures.create;
import static dev.thaw.snapshot.SnapshotFixtures.host;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CompatibilityTest {

    @TempDir
    Path root;

    @Test
    void open_on_another_setup_names_every_differing_field_with_both_values_and_the_fix() throws Exception {
        var store = new LocalSnapshotStore(root, new SnapshotFixtures.TestClock());
        create(store, "python", 1);
        HostProfile h = host();
        HostProfile other = new HostProfile(h.vmm(), "8.2.1", "kvm", "host", h.memoryMiB(), 2, h.kernelDigest(),
                h.initrdDigest(), SnapshotFixtures.DIGEST_B, h.agentVersion(), h.cmdline());

        assertThatThrownBy(() -> store.open("python", other))
                .isInstanceOfSatisfying(SnapshotException.class,
                        e -> assertThat(e.code()).isEqualTo(SnapshotException.Code.INCOMPATIBLE))
                .hasMessage("snapshot 'python' was made with VMM version 7.2.0, accelerator tcg, CPU model qemu64, "
                        + "vCPUs 1, root filesystem aaaaaaaaaaaa; this host has VMM version 8.2.1, accelerator kvm, "
                        + "CPU model host, vCPUs 2, root filesystem bbbbbbbbbbbb. "
                        + "Recreate it with: thaw snapshot create --lang python --replace");
    }

    @Test
    void the_fix_names_the_id_when_it_is_not_the_language() {
        HostProfile h = host();
        Manifest m = new Manifest(1, "py-big", "python", "qemu", "7.2.0", "tcg", "qemu64", 2048, 1, h.kernelDigest(),
                h.initrdDigest(), h.rootfsDigest(), h.agentVersion(), h.cmdline(), null, null, java.util.Map.of());

        assertThatThrownBy(() -> Compatibility.check(m, h))
                .hasMessageContaining("memory MiB 2048; this host has memory MiB 512")
                .hasMessageEndingWith("thaw snapshot create --lang python --id py-big --replace");
    }

    @Test
    void a_changed_kernel_argument_makes_a_snapshot_incompatible_but_another_tsc_frequency_does_not() {
        HostProfile h = host();
        Manifest m = SnapshotFixtures.draft("python");
        HostProfile otherTsc = withCmdline(h, "console=ttyS0 tsc_early_khz=2100000");
        HostProfile norandmaps = withCmdline(h, "console=ttyS0 norandmaps tsc_early_khz=2300000");

        Compatibility.check(m, otherTsc);
        assertThatThrownBy(() -> Compatibility.check(m, norandmaps))
                .hasMessageContaining("kernel arguments console=ttyS0; this host has kernel arguments "
                        + "console=ttyS0 norandmaps");
    }

    private static HostProfile withCmdline(HostProfile h, String cmdline) {
        return new HostProfile(h.vmm(), h.vmmVersion(), h.accelerator(), h.cpuModel(), h.memoryMiB(), h.vcpus(),
                h.kernelDigest(), h.initrdDigest(), h.rootfsDigest(), h.agentVersion(), cmdline);
    }

    @Test
    void an_identical_host_is_compatible() {
        HostProfile h = host();
        Compatibility.check(SnapshotFixtures.draft("python"), h);
    }
}
