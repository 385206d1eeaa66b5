package dev.thaw.images;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.util.List;
import org.apache.commons.compress.archivers.cpio.CpioArchiveEntry;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Builds the real guest kernel bundle from Debian's package (about 10 s; cached for the other tests). */
class KernelBuildTest {

    private static GuestKernel kernel;

    @BeforeAll
    static void build() {
        TestImages.assumeHostCanBuild();
        kernel = TestImages.builder().kernel();
    }

    @Test
    void vmlinux_is_an_elf_with_a_pvh_entry_named_by_its_digest() {
        assertThat(PvhElf.hasPvhEntry(kernel.vmlinux())).isTrue();
        assertThat(kernel.vmlinux().getFileName().toString()).isEqualTo("vmlinux-" + kernel.vmlinuxDigest());
        assertThat(Digests.sha256(kernel.vmlinux())).isEqualTo(kernel.vmlinuxDigest());
        assertThat(kernel.kernelVersion()).startsWith("linux-image-6.1.0-");
    }

    @Test
    void initramfs_holds_init_busybox_agent_and_the_virtio_modules() throws Exception {
        List<String> names = InitramfsTest.entries(Files.readAllBytes(kernel.initrd())).stream()
                .map(CpioArchiveEntry::getName).toList();

        assertThat(names).contains("init", "bin/busybox", "bin/sh", "bin/insmod", "bin/poweroff", "dev/console",
                "sbin/thaw-agent", "lib/modules/load-order", "lib/modules/virtio_ring.ko", "lib/modules/virtio.ko",
                "lib/modules/virtio_mmio.ko", "lib/modules/virtio_blk.ko", "lib/modules/virtio_console.ko");
        assertThat(Digests.sha256(kernel.initrd())).isEqualTo(kernel.initrdDigest());
    }

    @Test
    void modules_load_in_dependency_order() throws Exception {
        byte[] cpio = Files.readAllBytes(kernel.initrd());
        String order = HostCommand.run(List.of("sh", "-c", "cpio -i --to-stdout lib/modules/load-order < "
                + kernel.initrd()));

        assertThat(order.lines().filter(l -> l.endsWith(".ko")).toList())
                .containsSubsequence("virtio_ring.ko", "virtio.ko", "virtio_mmio.ko")
                .containsSubsequence("virtio.ko", "virtio_blk.ko");
        assertThat(cpio).isNotEmpty();
    }

    @Test
    void agent_version_is_derived_from_its_sources() {
        assertThat(kernel.agentVersion()).isEqualTo(AgentBinary.fromResources().version()).hasSize(12);
    }

    @Test
    void second_call_is_served_from_the_cache_without_building() {
        TestImages.STEPS.clear();

        GuestKernel again = TestImages.builder().kernel();

        assertThat(again).isEqualTo(kernel);
        assertThat(TestImages.STEPS).isEmpty();
        assertThat(TestImages.builder().cachedKernel()).contains(kernel);
    }
}
