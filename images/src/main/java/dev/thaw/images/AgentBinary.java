package dev.thaw.images;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The guest agent's C sources, shipped as resources of the guest-agent module, and their
 * static build. The version is derived from the sources, so any change to the agent
 * changes the initramfs digest and thereby invalidates snapshots made with the old one.
 */
final class AgentBinary {

    private static final String BASE = "/dev/thaw/guestagent/";

    private final Map<String, String> sources;
    private final String version;

    private AgentBinary(Map<String, String> sources) {
        this.sources = sources;
        this.version = Digests.sha256(String.join("\0", sources.values())).substring(0, 12);
    }

    static AgentBinary fromResources() {
        Map<String, String> sources = new LinkedHashMap<>();
        for (String name : resource("sources.txt").split("\n")) {
            if (!name.isBlank()) {
                sources.put(name.trim(), resource(name.trim()));
            }
        }
        return new AgentBinary(sources);
    }

    String version() {
        return version;
    }

    /** Compiles the agent into {@code output}, statically linked, with warnings as errors. */
    void compile(Path workDir, Path output) {
        try {
            List<String> command = new ArrayList<>(List.of("gcc", "-static", "-Os", "-Wall", "-Wextra", "-Werror",
                    "-DTHAW_AGENT_VERSION=\"" + version + "\"", "-o", output.toString()));
            for (var source : sources.entrySet()) {
                Path file = workDir.resolve(source.getKey());
                Files.writeString(file, source.getValue());
                if (source.getKey().endsWith(".c")) {
                    command.add(file.toString());
                }
            }
            HostCommand.run(command, workDir, Map.of());
            HostCommand.run(List.of("strip", output.toString()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the agent sources to " + workDir, e);
        }
    }

    private static String resource(String name) {
        try (InputStream in = AgentBinary.class.getResourceAsStream(BASE + name)) {
            if (in == null) {
                throw new IllegalStateException("guest agent resource " + BASE + name + " is missing from the build");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
