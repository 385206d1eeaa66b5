package dev.thaw.sandbox;

import dev.thaw.agent.AgentChannel;
import dev.thaw.agent.AgentException;
import dev.thaw.agent.GuestMessage;
import dev.thaw.agent.HostMessage;
import dev.thaw.sandbox.network.NetworkLease;
import dev.thaw.sandbox.network.NetworkSlot;
import dev.thaw.snapshot.RestoreImage;
import dev.thaw.vmm.DiskChain;
import dev.thaw.vmm.GuestPages;
import dev.thaw.vmm.Vm;
import java.io.IOException;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A live guest with its agent channel: runs programs until closed. Closing stops the VM and
 * removes its overlay and sockets. A sandbox whose program timed out or whose guest failed
 * is {@link #broken()} and must not be used again.
 */
public final class Sandbox implements AutoCloseable {

    /** Time the guest may take beyond a program's timeout to report it. */
    private static final Duration REPORT_GRACE = Duration.ofSeconds(10);
    private static final Duration SEED_TIMEOUT = Duration.ofSeconds(10);
    private static final SecureRandom ENTROPY = new SecureRandom();

    private final Language language;
    private final Vm vm;
    private final AgentChannel agent;
    private String mode;
    private final Origin origin;
    private final java.util.Deque<AutoCloseable> closeWith = new java.util.ArrayDeque<>();
    private boolean broken;
    private NetworkSlot network;
    /** Restored but not yet given fresh entropy: the next exec sends it first. */
    private boolean needsSeed;
    /**
     * Whether the guest's resident runner was loaded when the agent last said: only then do
     * runs go to it. A restored guest's was (snapshots are made only once it is); a booted
     * one's is loading, or not started at all in a cold boot.
     */
    private boolean residentLoaded;

    /**
     * What a restored sandbox was made from: the snapshot it maps and its disk, whose top
     * layer holds everything the guest wrote since. A diff snapshot of it keeps just that.
     */
    record Origin(RestoreImage image, DiskChain disk) {}

    /** @param origin null for a booted sandbox, which has no snapshot to make a diff against */
    Sandbox(Language language, Vm vm, AgentChannel agent, String mode, Origin origin) {
        this.language = language;
        this.vm = vm;
        this.agent = agent;
        this.mode = mode;
        this.origin = origin;
        this.residentLoaded = origin != null && language.resident() != Language.Resident.NONE;
    }

    public Language language() {
        return language;
    }

    /** {@code cold} or {@code restore}: how this sandbox's guest started. */
    public String mode() {
        return mode;
    }

    public boolean broken() {
        return broken;
    }

    /** Waits until the freshly booted guest's agent answers; its resident runner may still be loading. */
    void awaitReady(Duration timeout) {
        residentLoaded = guarded(() -> agent.handshake(timeout)).residentRunner();
    }

    /**
     * Waits until the guest's resident runner is loaded and warm, as a snapshot must hold it.
     * Fails if the runner ended instead (the console tail says how) or is still loading after
     * {@code timeout}.
     */
    void awaitResidentRunner(Duration timeout) {
        residentLoaded = guarded(() -> agent.awaitResidentRunner(timeout)).residentRunner();
        if (!residentLoaded) {
            broken = true;
            throw new SandboxException(SandboxException.Code.HOST, "the " + language.id()
                    + " image's resident runner ended before it was loaded, so there is nothing warm to snapshot;"
                    + " the agent's log says how it ended" + consoleTail());
        }
    }

    /** Gives the guest fresh entropy and the current time; required after every restore. */
    void reseed() {
        guarded(() -> {
            agent.seed(entropy(), Instant.now(), SEED_TIMEOUT);
            return null;
        });
        needsSeed = false;
    }

    /** Defers the reseed to the first exec, which sends it in the same round trip. */
    void reseedBeforeNextExec() {
        needsSeed = true;
    }

    private static byte[] entropy() {
        byte[] entropy = new byte[64];
        ENTROPY.nextBytes(entropy);
        return entropy;
    }

    public RunResult exec(RunRequest request, Timings timings) {
        return exec(request, timings, false);
    }

    /** The language's command with the program's own arguments after it. */
    private List<String> argv(RunRequest request) {
        if (request.args().isEmpty()) {
            return language.argv();
        }
        List<String> argv = new ArrayList<>(language.argv());
        argv.addAll(request.args());
        return argv;
    }

    /**
     * Runs a program; {@code last} promises that no other program will run in this sandbox,
     * which lets a resident runtime run it in place instead of forking.
     */
    public RunResult exec(RunRequest request, Timings timings, boolean last) {
        Duration timeout = request.timeoutIn(language);
        boolean resident = residentLoaded && language.resident().serves(last, !request.args().isEmpty());
        // A resident runner has its own command: it gets the program's arguments alone.
        HostMessage.Run run = new HostMessage.Run(resident, last, (int) timeout.toMillis(),
                request.outputCapBytes(), language.codeFile(), request.code(), request.stdin(),
                resident ? request.args() : argv(request), envEntries(request.env()));
        return send(run, timeout, timings);
    }

    /**
     * Has the resident runner go through its own warm-up again, in the process that will run
     * this sandbox's last program: a pooled sandbox's warm-up, for runtimes whose code lives in
     * each process's own heap ({@link Language#residentWarmsAgain()}), which warm-up runs of
     * the language's command, each in a process of its own, leave cold for that program.
     */
    public void warmResident() {
        if (needsSeed) {
            reseed(); // nothing runs in a restored guest before its seed
        }
        Duration timeout = language.defaultTimeout();
        guarded(() -> agent.warmResident(new HostMessage.Warm((int) timeout.toMillis()), timeout.plus(REPORT_GRACE)));
    }

    /**
     * Runs a command of Thaw's own in the guest (as the sandbox user, in a fresh working
     * directory, never through the resident runner): snapshot preparation, not user code.
     */
    RunResult execCommand(List<String> argv, Duration timeout) {
        HostMessage.Run run = new HostMessage.Run(false, false, (int) timeout.toMillis(),
                RunRequest.DEFAULT_OUTPUT_CAP, language.codeFile(), new byte[0], new byte[0], argv, List.of());
        return send(run, timeout, new Timings());
    }

    private RunResult send(HostMessage.Run run, Duration timeout, Timings timings) {
        if (broken) {
            throw new SandboxException(SandboxException.Code.BAD_REQUEST,
                    "this sandbox can no longer run programs: an earlier program timed out or its guest failed");
        }
        long start = System.nanoTime();
        Duration deadline = timeout.plus(REPORT_GRACE);
        GuestMessage.Result result = needsSeed
                ? guarded(() -> agent.seedAndRun(entropy(), Instant.now(), run, deadline))
                : guarded(() -> agent.run(run, deadline));
        needsSeed = false;
        timings.record("exec", System.nanoTime() - start);
        timings.record("program", result.durationMicros() * 1000);
        // A timed-out program may have left processes or state behind: never reuse the guest.
        broken |= result.timedOut();
        return new RunResult(result.stdout(), result.stderr(), result.exitCode(), result.signal(),
                result.timedOut(), result.stdoutTruncated(), result.stderrTruncated(), mode,
                result.durationMicros(), timings);
    }

    /** Time a file transfer may take: 16 MiB through the agent, with room for a busy host. */
    private static final Duration FILE_TIMEOUT = Duration.ofSeconds(30);

    /**
     * Writes a file in the guest as the sandbox user, creating its parent directories.
     *
     * @param guestPath absolute path in the guest without {@code ..}
     */
    public void putFile(String guestPath, byte[] data) {
        fileOperation(guestPath, () -> {
            agent.putFile(new dev.thaw.agent.HostMessage.PutFile(guestPath, 0644, data), FILE_TIMEOUT);
            return null;
        });
    }

    /** Reads a regular file (at most 16 MiB) of the guest as the sandbox user. */
    public byte[] getFile(String guestPath) {
        return fileOperation(guestPath, () -> agent.getFile(guestPath, FILE_TIMEOUT));
    }

    /**
     * A FAILURE answer (no such file, permission denied) is the caller's problem and leaves
     * the sandbox usable; anything else is handled like a failed run.
     */
    private <T> T fileOperation(String guestPath, java.util.function.Supplier<T> call) {
        if (broken) {
            throw new SandboxException(SandboxException.Code.BAD_REQUEST,
                    "this sandbox can no longer be used: an earlier program timed out or its guest failed");
        }
        try {
            return call.get();
        } catch (AgentException e) {
            if (e.code() == AgentException.Code.GUEST_FAILURE) {
                boolean missing = e.getMessage().contains("No such file");
                throw new SandboxException(missing ? SandboxException.Code.NOT_FOUND : SandboxException.Code.BAD_REQUEST,
                        e.getMessage().replace("the agent could not do ", "") + " (" + guestPath + ")", e);
            }
            broken = true;
            throw explain(e);
        }
    }

    private static List<String> envEntries(Map<String, String> env) {
        return env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).sorted().toList();
    }

    private <T> T guarded(java.util.function.Supplier<T> call) {
        try {
            return call.get();
        } catch (AgentException e) {
            broken = true;
            throw explain(e);
        }
    }

    /** Tells a guest that died apart from one that stopped answering, with its console tail. */
    private SandboxException explain(AgentException e) {
        OptionalInt exit = vm.awaitExit(Duration.ofSeconds(1));
        String console = consoleTail();
        if (exit.isPresent()) {
            return new SandboxException(SandboxException.Code.GUEST_CRASHED,
                    "the guest stopped (VMM exit status " + exit.getAsInt() + ") while talking to its agent: "
                            + e.getMessage() + console, e);
        }
        SandboxException.Code code = e.code() == AgentException.Code.TIMEOUT
                ? SandboxException.Code.GUEST_UNRESPONSIVE : SandboxException.Code.GUEST_CRASHED;
        return new SandboxException(code, "the guest agent failed: " + e.getMessage() + console, e);
    }

    private String consoleTail() {
        try {
            List<String> lines = Files.readAllLines(vm.serialLog());
            List<String> tail = lines.subList(Math.max(0, lines.size() - 15), lines.size());
            return tail.isEmpty() ? "" : "\nlast guest console lines:\n  " + String.join("\n  ", tail);
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    /** Pauses the guest and saves its device state; its memory file must be shared. */
    void saveDeviceState(java.nio.file.Path vmstate) {
        vm.snapshot(vmstate);
    }

    Optional<Origin> origin() {
        return Optional.ofNullable(origin);
    }

    /** Pauses the guest and saves its device state, handing its RAM to {@code pages}. */
    void saveDeviceState(java.nio.file.Path vmstate, GuestPages pages) {
        guardedVm(() -> vm.snapshot(vmstate, pages));
    }

    /** Lets a paused guest (by {@link #pause()} or a snapshot) run on. */
    public void resume() {
        guardedVm(vm::resume);
    }

    /**
     * Stops the guest's CPUs: a paused sandbox costs memory but no CPU. Its next program
     * gets fresh entropy and the current time first, since the clock stood still.
     */
    public void pause() {
        guardedVm(vm::pause);
        needsSeed = true;
    }

    /** Marks a sandbox that waited in a pool, so that its runs report mode {@code pooled}. */
    public void markPooled() {
        mode = "pooled";
    }

    /** Id of the sandbox's VM, unique on this host. */
    public String id() {
        return vm.id();
    }

    private void guardedVm(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            broken = true;
            throw e;
        }
    }

    /**
     * The sandbox's own network namespace, given back when the VM has stopped. The guest's
     * card is attached to its tap from the start; this records where the host reaches it.
     */
    void useNetwork(NetworkLease lease) {
        network = lease.slot();
        closeWith(lease);
    }

    /** The sandbox's namespace and addresses, when it has network. */
    public Optional<NetworkSlot> network() {
        return Optional.ofNullable(network);
    }

    /** Closes {@code resource} after the VM stops, e.g. the pin on the snapshot it maps. */
    void closeWith(AutoCloseable resource) {
        closeWith.push(resource);
    }

    @Override
    public void close() {
        try {
            agent.close();
        } finally {
            vm.close();
            while (!closeWith.isEmpty()) {
                try {
                    closeWith.pop().close();
                } catch (Exception e) {
                    System.getLogger(Sandbox.class.getName()).log(System.Logger.Level.WARNING,
                            "cannot release a resource of sandbox " + vm.id() + ": " + e.getMessage());
                }
            }
        }
    }
}
