package dev.thaw.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class KernelModulesTest {

    private static final String DEP = """
            kernel/drivers/virtio/virtio_ring.ko:
            kernel/drivers/virtio/virtio.ko: kernel/drivers/virtio/virtio_ring.ko
            kernel/drivers/virtio/virtio_mmio.ko: kernel/drivers/virtio/virtio_ring.ko kernel/drivers/virtio/virtio.ko
            kernel/drivers/block/virtio_blk.ko.xz: kernel/drivers/virtio/virtio_ring.ko kernel/drivers/virtio/virtio.ko
            kernel/drivers/char/virtio_console.ko: kernel/drivers/virtio/virtio_ring.ko kernel/drivers/virtio/virtio.ko
            kernel/fs/mbcache.ko:
            kernel/lib/crc16.ko:
            kernel/fs/jbd2/jbd2.ko:
            kernel/fs/ext4/ext4.ko: kernel/fs/mbcache.ko kernel/lib/crc16.ko kernel/fs/jbd2/jbd2.ko
            kernel/a.ko: kernel/b.ko
            kernel/b.ko: kernel/a.ko
            """;

    @Test
    void dependencies_come_before_the_modules_that_need_them() {
        List<String> order = new KernelModules(DEP, "").loadOrder(List.of("virtio_mmio", "virtio_blk"));

        assertThat(order).containsExactly("kernel/drivers/virtio/virtio_ring.ko", "kernel/drivers/virtio/virtio.ko",
                "kernel/drivers/virtio/virtio_mmio.ko", "kernel/drivers/block/virtio_blk.ko.xz");
    }

    @Test
    void shared_dependencies_are_loaded_once() {
        List<String> order = new KernelModules(DEP, "").loadOrder(List.of("virtio_blk", "virtio_console", "virtio"));

        assertThat(order).doesNotHaveDuplicates().hasSize(4);
    }

    @Test
    void built_in_module_needs_no_file() {
        String builtin = "kernel/fs/ext4/ext4.ko\nkernel/fs/jbd2/jbd2.ko\n";
        String depWithoutExt4 = "kernel/drivers/virtio/virtio_ring.ko:\n";

        assertThat(new KernelModules(depWithoutExt4, builtin).loadOrder(List.of("ext4", "virtio_ring")))
                .containsExactly("kernel/drivers/virtio/virtio_ring.ko");
    }

    @Test
    void ext4_as_a_module_brings_its_dependencies() {
        assertThat(new KernelModules(DEP, "").loadOrder(List.of("ext4")))
                .containsExactly("kernel/fs/mbcache.ko", "kernel/lib/crc16.ko", "kernel/fs/jbd2/jbd2.ko",
                        "kernel/fs/ext4/ext4.ko");
    }

    @Test
    void dashes_and_underscores_name_the_same_module() {
        assertThat(KernelModules.nameOf("kernel/drivers/net/virtio-net.ko.zst")).isEqualTo("virtio_net");
    }

    @Test
    void missing_module_names_itself() {
        assertThatThrownBy(() -> new KernelModules(DEP, "").loadOrder(List.of("vsock")))
                .isInstanceOf(ImageException.class)
                .hasMessageContaining("'vsock'");
    }

    @Test
    void dependency_cycle_is_reported() {
        assertThatThrownBy(() -> new KernelModules(DEP, "").loadOrder(List.of("a")))
                .isInstanceOf(ImageException.class)
                .hasMessageContaining("cycle");
    }
}
