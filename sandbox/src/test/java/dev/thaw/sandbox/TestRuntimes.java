package dev.thaw.sandbox;

import java.nio.file.Path;

/**
 * Runtimes for real-VM tests: a private home (snapshots, run directories) per test class,
 * and the host's shared image cache, so guest images are built once per machine.
 */
final class TestRuntimes {

    private TestRuntimes() {}

    static ThawRuntime inHome(Path home) {
        ThawHome shared = ThawHome.resolve(null);
        return new ThawRuntime(RuntimeOptions.defaults(new ThawHome(home, shared.images())));
    }

    /** Child processes of this JVM still alive: a test that leaves any leaks VMs. */
    static long liveChildren() {
        return ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).count();
    }
}
