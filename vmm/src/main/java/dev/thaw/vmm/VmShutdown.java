package dev.thaw.vmm;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The one shutdown hook that stops a JVM's VMs on Ctrl-C or SIGTERM, and what runs before
 * them: a server registers its drain here, so that requests still running can finish before
 * their VMs go. Java runs separate shutdown hooks in no set order, which could not promise that.
 */
public final class VmShutdown {

    private static final List<Runnable> DRAINS = new CopyOnWriteArrayList<>();
    private static final List<Runnable> STOPS = new CopyOnWriteArrayList<>();
    private static final List<Runnable> RELEASES = new CopyOnWriteArrayList<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(VmShutdown::run, "thaw-shutdown"));
    }

    private VmShutdown() {}

    /** Runs {@code drain} at shutdown before any VM is stopped; it must bound its own time. */
    public static void drainFirst(Runnable drain) {
        DRAINS.add(drain);
    }

    /** Runs {@code stop} at shutdown, after the drains: how a backend stops its live VMs. */
    public static void stopAtExit(Runnable stop) {
        STOPS.add(stop);
    }

    /** Runs {@code release} at shutdown once every VM has stopped: host resources VMs used. */
    public static void releaseAfterVms(Runnable release) {
        RELEASES.add(release);
    }

    private static void run() {
        for (Runnable step : DRAINS) {
            runLogged(step, "drain");
        }
        for (Runnable step : STOPS) {
            runLogged(step, "stopping VMs");
        }
        for (Runnable step : RELEASES) {
            runLogged(step, "releasing what VMs used");
        }
    }

    private static void runLogged(Runnable step, String what) {
        try {
            step.run();
        } catch (RuntimeException e) {
            System.getLogger(VmShutdown.class.getName()).log(System.Logger.Level.WARNING, what + " failed at exit", e);
        }
    }
}
