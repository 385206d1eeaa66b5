package dev.thaw.vmm;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class VmStateTest {

    @Test
    void a_running_vm_can_pause_resume_and_stop() {
        assertThat(VmState.RUNNING.canMoveTo(VmState.PAUSED)).isTrue();
        assertThat(VmState.PAUSED.canMoveTo(VmState.RUNNING)).isTrue();
        assertThat(VmState.PAUSED.canMoveTo(VmState.STOPPED)).isTrue();
    }

    @Test
    void terminal_states_go_nowhere() {
        for (VmState next : VmState.values()) {
            assertThat(VmState.STOPPED.canMoveTo(next)).isFalse();
            assertThat(VmState.FAILED.canMoveTo(next)).isFalse();
        }
        assertThat(VmState.STOPPED.isTerminal()).isTrue();
        assertThat(VmState.FAILED.isTerminal()).isTrue();
        assertThat(VmState.RUNNING.isTerminal()).isFalse();
    }

    @Test
    void nothing_goes_back_to_starting() {
        for (VmState from : VmState.values()) {
            assertThat(from.canMoveTo(VmState.STARTING)).isFalse();
        }
    }
}
