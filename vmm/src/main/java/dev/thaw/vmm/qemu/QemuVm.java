package dev.thaw.vmm.qemu;

import dev.thaw.vmm.GuestPages;
import dev.thaw.vmm.Vm;
import dev.thaw.vmm.VmSpec;
import dev.thaw.vmm.VmState;
import dev.thaw.vmm.VmmException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.stream.Stream;

/** A guest running in one QEMU process, driven over QMP. */
final class QemuVm implements Vm {

    private static final System.Logger LOG = System.getLogger(QemuVm.class.getName());
    static final Duration QMP_TIMEOUT = Duration.ofSeconds(30);
    private static final List<Map<String, Object>> MIGRATION_CAPABILITIES = List.of(
            Map.of("capability", "x-ignore-shared", "state", true),
            Map.of("capability", "events", "state", true));

    private final VmSpec spec;
    private final QemuProcess process;
    private final Qmp qmp;
    private VmState state = VmState.STARTING;

    private QemuVm(VmSpec spec, QemuProcess process, Qmp qmp) {
        this.spec = spec;
        this.process = process;
        this.qmp = qmp;
        process.process().onExit().thenRun(this::exitedOnItsOwn);
    }

    /** Starts QEMU with {@code argv} and connects QMP; on failure nothing is left running. */
    static QemuVm start(VmSpec spec, List<String> argv) {
        return start(spec, argv, Path.of("/dev/null"));
    }

    /**
     * As {@link #start(VmSpec, List)}, with {@code stdin} as QEMU's descriptor 0: a restore's
     * device state, which {@link #loadState()} then reads from there.
     */
    static QemuVm start(VmSpec spec, List<String> argv, Path stdin) {
        try {
            Files.createDirectories(spec.runDir());
        } catch (IOException e) {
            throw new VmmException(VmmException.Code.IO, "cannot create run directory " + spec.runDir(), e);
        }
        QemuProcess process = QemuProcess.start(argv, spec.runDir().resolve("qemu.log"), stdin);
        try {
            Qmp qmp = Qmp.connect(QemuCommand.qmpSocket(spec.runDir()), QMP_TIMEOUT, process.process()::isAlive);
            QemuVm vm = new QemuVm(spec, process, qmp);
            LiveVms.add(vm);
            return vm;
        } catch (RuntimeException e) {
            process.kill();
            deleteRunDir(spec.runDir());
            throw new VmmException(VmmException.Code.LAUNCH_FAILED, "QEMU did not come up: " + e.getMessage()
                    + describeOutput(process.outputTail()), e);
        }
    }

    /**
     * Loads the saved device state that a VM started with {@code -incoming defer} has on its
     * stdin. Reading it from descriptor 0 spares the restore what {@code exec:cat} costs: QEMU
     * forking itself and a shell, 10-20 ms on a host where processes start slowly.
     */
    void loadState() {
        qmp.execute("migrate-set-capabilities", Map.of("capabilities", MIGRATION_CAPABILITIES), QMP_TIMEOUT);
        qmp.execute("migrate-incoming", Map.of("uri", "fd:0"), QMP_TIMEOUT);
        awaitMigration("loading device state");
        move(VmState.PAUSED);
    }

    void markRunning() {
        move(VmState.RUNNING);
    }

    @Override
    public String id() {
        return spec.id();
    }

    @Override
    public synchronized VmState state() {
        return state;
    }

    @Override
    public Path agentSocket() {
        return QemuCommand.agentSocket(spec.runDir());
    }

    @Override
    public Path serialLog() {
        return QemuCommand.serialLog(spec.runDir());
    }

    @Override
    public void pause() {
        command("stop");
        move(VmState.PAUSED);
    }

    @Override
    public void resume() {
        command("cont");
        move(VmState.RUNNING);
    }

    @Override
    public void snapshot(Path vmstate) {
        if (!spec.sharedMemory()) {
            throw new VmmException(VmmException.Code.ILLEGAL_STATE, "VM " + id()
                    + " maps its memory privately; snapshot it with a GuestPages receiver for its RAM");
        }
        save(vmstate, new DeviceStateSink(migrationSocket(), vmstate));
    }

    @Override
    public void snapshot(Path vmstate, GuestPages pages) {
        save(vmstate, new DeviceStateSink(migrationSocket(), vmstate, QemuCommand.MEMORY_BACKEND, pages));
    }

    private Path migrationSocket() {
        return spec.runDir().resolve("migrate.sock");
    }

    /**
     * Saves device state through {@code sink}. When the sink fails first (say the disk is
     * full) QEMU only sees a broken pipe; the sink's own error is the one worth reporting.
     */
    private void save(Path vmstate, DeviceStateSink sink) {
        try (sink) {
            if (state() == VmState.RUNNING) {
                pause();
            }
            qmp.execute("migrate-set-capabilities", Map.of("capabilities", MIGRATION_CAPABILITIES), QMP_TIMEOUT);
            qmp.execute("migrate", Map.of("uri", sink.uri()), QMP_TIMEOUT);
            try {
                awaitMigration("saving device state to " + vmstate);
            } catch (VmmException e) {
                throw sink.failure(Duration.ofSeconds(1)).orElse(e);
            }
            sink.await(QMP_TIMEOUT);
        }
    }

    private void awaitMigration(String what) {
        var event = qmp.awaitEvent("MIGRATION", data -> {
            String status = data.path("status").asText();
            return status.equals("completed") || status.equals("failed") || status.equals("cancelled");
        }, QMP_TIMEOUT);
        String status = event.path("data").path("status").asText();
        if (!status.equals("completed")) {
            String detail = qmp.execute("query-migrate", null, QMP_TIMEOUT).path("error-desc").asText("");
            throw new VmmException(VmmException.Code.COMMAND_FAILED, what + " " + status
                    + (detail.isEmpty() ? "" : ": " + detail) + describeOutput(process.outputTail()));
        }
    }

    private void command(String name) {
        try {
            qmp.execute(name, null, QMP_TIMEOUT);
        } catch (VmmException e) {
            throw withExitDetail(e);
        }
    }

    private VmmException withExitDetail(VmmException e) {
        OptionalInt exit = process.awaitExit(Duration.ofMillis(200));
        if (exit.isEmpty()) {
            return e;
        }
        return new VmmException(VmmException.Code.EXITED, "QEMU exited with status " + exit.getAsInt() + ": "
                + e.getMessage() + describeOutput(process.outputTail()), e);
    }

    @Override
    public void stop() {
        close();
    }

    @Override
    public OptionalInt awaitExit(Duration timeout) {
        return process.awaitExit(timeout);
    }

    @Override
    public void close() {
        synchronized (this) {
            if (state == VmState.STOPPED) {
                return;
            }
            state = state == VmState.FAILED ? VmState.FAILED : VmState.STOPPED;
        }
        qmp.close();
        process.kill();
        deleteRunDir(spec.runDir());
        LiveVms.remove(this);
    }

    private void exitedOnItsOwn() {
        synchronized (this) {
            if (!state.isTerminal()) {
                LOG.log(System.Logger.Level.DEBUG, "VM {0}: QEMU exited unexpectedly", id());
                state = VmState.FAILED;
            }
        }
    }

    private synchronized void move(VmState next) {
        if (!state.canMoveTo(next) && state != next) {
            throw new VmmException(VmmException.Code.ILLEGAL_STATE, "VM " + id() + " cannot go from " + state
                    + " to " + next);
        }
        state = next;
    }

    private static String describeOutput(String tail) {
        return tail.isBlank() ? "" : "\nQEMU said:\n  " + tail.replace("\n", "\n  ");
    }

    static void deleteRunDir(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot remove run directory " + dir + ": " + e.getMessage());
        }
    }
}
