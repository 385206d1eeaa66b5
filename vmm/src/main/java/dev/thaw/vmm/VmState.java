package dev.thaw.vmm;

import java.util.EnumSet;
import java.util.Set;

/** Lifecycle of a {@link Vm}. States only move forward; STOPPED and FAILED are terminal. */
public enum VmState {
    STARTING,
    RUNNING,
    PAUSED,
    STOPPED,
    FAILED;

    public boolean isTerminal() {
        return this == STOPPED || this == FAILED;
    }

    /** Whether a VM in this state may move to {@code next}. */
    public boolean canMoveTo(VmState next) {
        return successors().contains(next);
    }

    private Set<VmState> successors() {
        return switch (this) {
            case STARTING -> EnumSet.of(RUNNING, PAUSED, STOPPED, FAILED);
            case RUNNING -> EnumSet.of(PAUSED, STOPPED, FAILED);
            case PAUSED -> EnumSet.of(RUNNING, STOPPED, FAILED);
            case STOPPED, FAILED -> EnumSet.noneOf(VmState.class);
        };
    }
}
