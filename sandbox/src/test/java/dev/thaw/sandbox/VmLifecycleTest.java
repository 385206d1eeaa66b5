package dev.thaw.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.thaw.agent.AgentChannel;
import dev.thaw.agent.AgentException;
import dev.thaw.images.RootfsImage;
import dev.thaw.vmm.DiskChain;
import dev.thaw.vmm.Vm;
import dev.thaw.vmm.VmState;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The VMM backend's own lifecycle on a real guest: boot, pause, resume, stop. */
class VmLifecycleTest {

    @TempDir
    static Path home;

    @AfterAll
    static void noVmOutlivesTheTests() {
        assertThat(TestRuntimes.liveChildren()).isZero();
    }

    @Test
    void a_paused_guest_does_not_answer_until_resumed_and_stop_removes_its_run_directory() {
        ThawRuntime runtime = TestRuntimes.inHome(home);
        GuestMachine machine = runtime.machine().machine();
        RootfsImage rootfs = runtime.image(runtime.languages().get("sh"));
        Path runDir = home.resolve("run").resolve("vm-" + ProcessHandle.current().pid() + "-lifecycle");
        Path overlay = home.resolve("overlay.qcow2");
        machine.vmm().createLayer(overlay, rootfs.rootDisk().toFile().length(), null);
        DiskChain disk = DiskChain.over(rootfs.rootDisk(), overlay).withLowerImages(SandboxFactory.lowerDisks(rootfs));

        try (Vm vm = machine.vmm().boot(machine.spec("lifecycle", runDir.resolve("memory"), false, disk, runDir));
                AgentChannel agent = AgentChannel.connect(vm.agentSocket(), Duration.ofSeconds(10))) {
            agent.handshake(Duration.ofSeconds(90));
            assertThat(vm.state()).isEqualTo(VmState.RUNNING);

            vm.pause();
            assertThat(vm.state()).isEqualTo(VmState.PAUSED);
            assertThatThrownBy(() -> agent.handshake(Duration.ofSeconds(2)))
                    .isInstanceOf(AgentException.class)
                    .satisfies(e -> assertThat(((AgentException) e).code()).isEqualTo(AgentException.Code.TIMEOUT));

            vm.resume();
            assertThat(vm.state()).isEqualTo(VmState.RUNNING);
            assertThat(agent.handshake(Duration.ofSeconds(10)).agentVersion()).isEqualTo(machine.kernel().agentVersion());

            vm.stop();
            assertThat(vm.state()).isEqualTo(VmState.STOPPED);
            assertThat(runDir).doesNotExist();
        }
    }
}
