package dev.thaw.vmm.qemu;

import dev.thaw.vmm.VmShutdown;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Every VM of this JVM that has not been closed: stopped on Ctrl-C and SIGTERM, after the drains. */
final class LiveVms {

    private static final Set<QemuVm> LIVE = ConcurrentHashMap.newKeySet();

    static {
        VmShutdown.stopAtExit(LiveVms::closeAll);
    }

    private LiveVms() {}

    static void add(QemuVm vm) {
        LIVE.add(vm);
    }

    static void remove(QemuVm vm) {
        LIVE.remove(vm);
    }

    private static void closeAll() {
        LIVE.parallelStream().forEach(QemuVm::close);
    }
}
