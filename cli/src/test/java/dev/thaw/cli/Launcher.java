package dev.thaw.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The {@code ./thaw} launcher at the repository root as a child process, as a user runs it:
 * a private Thaw home, the host's shared image cache.
 */
final class Launcher {

    static final Path REPO = Path.of("").toAbsolutePath().getParent();

    record Outcome(int exit, String stdout, String stderr) {}

    private final Path home;

    Launcher(Path home) {
        this.home = home;
    }

    Outcome run(String... args) throws Exception {
        return runWithInput(new byte[0], args);
    }

    Outcome runWithInput(byte[] input, String... args) throws Exception {
        Process process = start(args);
        process.getOutputStream().write(input);
        process.getOutputStream().close();
        byte[][] captured = new byte[2][];
        Thread out = Thread.ofVirtual().start(() -> captured[0] = readAll(process.getInputStream()));
        Thread err = Thread.ofVirtual().start(() -> captured[1] = readAll(process.getErrorStream()));
        assertThat(process.waitFor(10, TimeUnit.MINUTES)).as("thaw finished").isTrue();
        out.join();
        err.join();
        return new Outcome(process.exitValue(), new String(captured[0], StandardCharsets.UTF_8),
                new String(captured[1], StandardCharsets.UTF_8));
    }

    Process start(String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(REPO.resolve("thaw").toString());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(REPO.toFile());
        builder.environment().put("THAW_HOME", home.toString());
        builder.environment().putIfAbsent("THAW_IMAGES", sharedImages().toString());
        return builder.start();
    }

    /** QEMU processes whose command line names this home. */
    List<ProcessHandle> vms() {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().orElse("").contains(home.toString()))
                .filter(p -> p.info().command().orElse("").contains("qemu"))
                .toList();
    }

    private static Path sharedImages() throws IOException {
        String env = System.getenv("THAW_HOME");
        Path root = env != null ? Path.of(env) : Path.of(System.getProperty("user.home"), ".cache", "thaw");
        Path images = root.resolve("images");
        Files.createDirectories(images);
        return images;
    }

    private static byte[] readAll(InputStream in) {
        try {
            return in.readAllBytes();
        } catch (IOException e) {
            return new byte[0];
        }
    }
}
