package dev.thaw.vmm.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.thaw.vmm.Accelerator;
import dev.thaw.vmm.DiskChain;
import dev.thaw.vmm.NetworkBackend;
import dev.thaw.vmm.VmSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class QemuCommandTest {

    private static final DiskChain DISK = DiskChain.over(Path.of("/img/rootfs.ext4"), Path.of("/run/vm-1/disk.qcow2"));

    private static VmSpec spec(boolean shared, DiskChain disk) {
        return new VmSpec("vm-1", Path.of("/k/vmlinux"), Path.of("/k/initrd"), "console=ttyS0", 512, 1,
                Accelerator.TCG, "qemu64", Path.of("/s/memory"), shared, disk, NetworkBackend.UNPLUGGED, Path.of("/run/vm-1"));
    }

    @Test
    void restore_differs_from_boot_only_in_memory_sharing_and_incoming_flags() {
        List<String> boot = new QemuCommand(spec(true, DISK)).boot();
        List<String> restore = new ArrayList<>(new QemuCommand(spec(false, DISK)).restore());

        assertThat(restore.subList(restore.size() - 3, restore.size())).containsExactly("-S", "-incoming", "defer");
        List<String> restoreDevices = restore.subList(0, restore.size() - 3).stream()
                .map(arg -> arg.replace("share=off", "share=on")).toList();
        assertThat(restoreDevices).isEqualTo(boot);
    }

    @Test
    void template_maps_memory_shared_and_clone_private() {
        assertThat(String.join(" ", new QemuCommand(spec(true, null)).boot())).contains("mem-path=/s/memory,share=on");
        assertThat(String.join(" ", new QemuCommand(spec(false, null)).restore())).contains("mem-path=/s/memory,share=off");
    }

    @Test
    void devices_and_sockets_live_in_the_run_directory() {
        String argv = String.join(" ", new QemuCommand(spec(true, DISK)).boot());

        assertThat(argv).contains("-qmp unix:/run/vm-1/qmp.sock,server=on,wait=off")
                .contains("socket,id=agent,path=/run/vm-1/agent.sock,server=on,wait=off")
                .contains("virtserialport,chardev=agent,name=thaw.agent")
                .contains("node-name=root,read-only=off,cache.no-flush=on,file.driver=file,"
                        + "file.filename=/run/vm-1/disk.qcow2,backing=base")
                .contains("-serial file:/run/vm-1/serial.log")
                .contains("-accel tcg")
                .contains("-cpu qemu64")
                .contains("-no-reboot");
    }

    @Test
    void a_vm_without_disk_has_no_drive() {
        assertThat(new QemuCommand(spec(true, null)).boot()).doesNotContain("-blockdev");
    }

    @Test
    void every_layer_names_its_backing_explicitly_down_to_the_read_only_base() {
        DiskChain chain = new DiskChain(Path.of("/run/top.qcow2"),
                List.of(Path.of("/s/diff.qcow2"), Path.of("/s/full.qcow2")), Path.of("/img/rootfs.ext4"));

        List<String> blockdevs = QemuCommand.disk(chain).stream().filter(arg -> arg.startsWith("driver=")).toList();

        assertThat(blockdevs).containsExactly(
                "driver=raw,node-name=base,read-only=on,cache.no-flush=on,file.driver=file,file.filename=/img/rootfs.ext4",
                "driver=qcow2,node-name=layer1,read-only=on,cache.no-flush=on,file.driver=file,"
                        + "file.filename=/s/full.qcow2,backing=base",
                "driver=qcow2,node-name=layer0,read-only=on,cache.no-flush=on,file.driver=file,"
                        + "file.filename=/s/diff.qcow2,backing=layer1",
                "driver=qcow2,node-name=root,read-only=off,cache.no-flush=on,file.driver=file,"
                        + "file.filename=/run/top.qcow2,backing=layer0");
    }

    @Test
    void commas_in_paths_are_doubled_for_qemu() {
        assertThat(QemuCommand.escape(Path.of("/a,b/memory"))).isEqualTo("/a,,b/memory");
    }

    @Test
    void a_tapped_card_runs_qemu_in_the_taps_namespace_and_an_unplugged_one_on_a_lone_hub() {
        VmSpec plain = spec(false, DISK);
        VmSpec tapped = new VmSpec(plain.id(), plain.kernel(), plain.initrd(), plain.cmdline(), plain.memoryMiB(),
                plain.vcpus(), plain.accelerator(), plain.cpuModel(), plain.memoryFile(), false, DISK,
                new NetworkBackend.Tap(Path.of("/run/netns/thaw-3"), "tap0"), plain.runDir());

        List<String> withTap = new QemuCommand(tapped).restore();
        List<String> unplugged = new QemuCommand(plain).restore();

        assertThat(withTap.subList(0, 4)).containsExactly("nsenter", "--net=/run/netns/thaw-3", "--", QemuCommand.BINARY);
        assertThat(String.join(" ", withTap)).contains("-netdev tap,id=net0,ifname=tap0,script=no,downscript=no");
        assertThat(unplugged.getFirst()).isEqualTo(QemuCommand.BINARY);
        assertThat(String.join(" ", unplugged)).contains("-netdev hubport,id=net0,hubid=0");
        assertThat(String.join(" ", withTap).replace(withTap.get(1), "").replaceAll("-netdev \\S+", ""))
                .contains("virtio-net-device,netdev=net0,guest_announce=off,mac=" + QemuCommand.GUEST_MAC);
    }
}
