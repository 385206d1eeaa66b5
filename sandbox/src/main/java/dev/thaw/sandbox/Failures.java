package dev.thaw.sandbox;

import dev.thaw.agent.AgentException;
import dev.thaw.images.ImageException;
import dev.thaw.snapshot.SnapshotException;
import dev.thaw.vmm.VmmException;

/**
 * The one place where failures of the layers below become {@link SandboxException}s, so
 * that the CLI and the HTTP API map a single code to an exit status or HTTP status.
 */
final class Failures {

    private Failures() {}

    static SandboxException translate(String context, RuntimeException e) {
        return switch (e) {
            case SandboxException already -> already;
            case SnapshotException s -> new SandboxException(snapshotCode(s), s.getMessage(), s);
            case VmmException v -> new SandboxException(vmmCode(v), context + ": " + v.getMessage(), v);
            case AgentException a -> new SandboxException(agentCode(a), context + ": " + a.getMessage(), a);
            case ImageException i -> new SandboxException(SandboxException.Code.IMAGE_BUILD_FAILED,
                    i.getMessage(), i);
            default -> new SandboxException(SandboxException.Code.HOST, context + ": " + e, e);
        };
    }

    private static SandboxException.Code snapshotCode(SnapshotException e) {
        return switch (e.code()) {
            case DISK_FULL, STORE_FULL -> SandboxException.Code.DISK_FULL;
            case IN_USE -> SandboxException.Code.BAD_REQUEST;
            case NOT_FOUND -> SandboxException.Code.NOT_FOUND;
            case INVALID_ID, EXISTS -> SandboxException.Code.BAD_REQUEST;
            case IO -> SandboxException.Code.HOST;
            default -> SandboxException.Code.SNAPSHOT_UNUSABLE;
        };
    }

    private static SandboxException.Code vmmCode(VmmException e) {
        return switch (e.code()) {
            case EXITED -> SandboxException.Code.GUEST_CRASHED;
            case TIMEOUT -> SandboxException.Code.GUEST_UNRESPONSIVE;
            default -> SandboxException.Code.HOST;
        };
    }

    private static SandboxException.Code agentCode(AgentException e) {
        return switch (e.code()) {
            case CLOSED -> SandboxException.Code.GUEST_CRASHED;
            case TIMEOUT -> SandboxException.Code.GUEST_UNRESPONSIVE;
            default -> SandboxException.Code.HOST;
        };
    }
}
