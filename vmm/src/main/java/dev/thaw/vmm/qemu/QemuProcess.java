package dev.thaw.vmm.qemu;

import dev.thaw.vmm.VmmException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A VMM process that cannot outlive Thaw. It is started through {@code setpriv --pdeathsig
 * KILL}, so the kernel kills it when its parent thread dies, even on kill -9. Because that
 * signal follows the <em>thread</em> that forked, every launch happens on one platform
 * thread that lives as long as the JVM.
 */
public final class QemuProcess {

    private static final ExecutorService LAUNCHER = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "thaw-vmm-launcher");
        t.setDaemon(true);
        return t;
    });

    private final Process process;
    private final Path log;

    private QemuProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** Starts {@code argv} with its stdout and stderr in {@code log} and nothing on stdin. */
    public static QemuProcess start(List<String> argv, Path log) {
        return start(argv, log, Path.of("/dev/null"));
    }

    /** As {@link #start(List, Path)}, with {@code stdin} open for reading as descriptor 0. */
    public static QemuProcess start(List<String> argv, Path log, Path stdin) {
        List<String> command = new ArrayList<>(List.of("setpriv", "--pdeathsig", "KILL", "--"));
        command.addAll(argv);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(stdin.toFile()));
        try {
            return new QemuProcess(LAUNCHER.submit(builder::start).get(), log);
        } catch (ExecutionException e) {
            throw new VmmException(VmmException.Code.LAUNCH_FAILED, "cannot start " + argv.getFirst()
                    + " (is qemu-system-x86 installed? ./thaw installs it): " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VmmException(VmmException.Code.LAUNCH_FAILED, "interrupted while starting " + argv.getFirst());
        }
    }

    public Process process() {
        return process;
    }

    public OptionalInt awaitExit(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    ? OptionalInt.of(process.exitValue()) : OptionalInt.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OptionalInt.empty();
        }
    }

    /** Asks the process to exit, then forces it; always reaps it, so no zombie remains. */
    public void kill() {
        if (process.isAlive()) {
            process.destroy();
            if (awaitExit(Duration.ofSeconds(2)).isEmpty()) {
                process.destroyForcibly();
            }
        }
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The last lines the process printed, for error messages. */
    public String outputTail() {
        return tail(log, 10);
    }

    static String tail(Path file, int lines) {
        try {
            List<String> all = List.of(new String(Files.readAllBytes(file), StandardCharsets.UTF_8).split("\n"));
            List<String> last = all.subList(Math.max(0, all.size() - lines), all.size());
            return String.join("\n", last).strip();
        } catch (IOException e) {
            return "";
        }
    }
}
