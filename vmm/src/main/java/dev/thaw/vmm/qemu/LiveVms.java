package dev.thaw.vmm.qemu;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Every VM of this JVM that has not been closed: stopped on Ctrl-C and SIGTERM. */
final class LiveVms {

    private static final Set<QemuVm> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(LiveVms::closeAll, "thaw-vm-shutdown"));
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
