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
 * Thaw as a child process with a private home and the host's shared image cache: through the
 * {@code ./thaw} launcher at the repository root, as a user runs it, or straight from the
 * built jar, with the launcher's JVM flags.
 */
final class Launcher {

    static final Path REPO = Path.of("").toAbsolutePath().getParent();

    record Outcome(int exit, String stdout, String stderr) {}

    private final Path home;
    private final List<String> command;

    /** Through {@code ./thaw}. */
    Launcher(Path home) {
        this(home, List.of(REPO.resolve("thaw").toString()));
    }

    private Launcher(Path home, List<String> command) {
        this.home = home;
        this.command = command;
    }

    /**
     * Straight from {@code cli/target/thaw.jar}, which the build made before the integration
     * tests: the process killed is the JVM itself, and nothing can start a build meanwhile.
     */
    static Launcher jar(Path home) {
        String java = ProcessHandle.current().info().command().orElse("java");
        return new Launcher(home, List.of(java, "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC",
                "-jar", REPO.resolve("cli/target/thaw.jar").toString()));
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
        List<String> line = new ArrayList<>(command);
        line.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(line).directory(REPO.toFile());
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
