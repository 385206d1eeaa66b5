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
        StringBuilder all = new StringBuilder();
        sources.forEach((name, content) -> all.append(name).append('\0').append(content).append('\0'));
        this.version = Digests.sha256(all.toString()).substring(0, 12);
    }

    /** The sources listed in {@code sources.txt} (headers included), or {@code agent.c} alone without it. */
    static AgentBinary fromResources() {
        String list = optionalResource("sources.txt");
        Map<String, String> sources = new LinkedHashMap<>();
        for (String name : (list == null ? "agent.c" : list).split("\n")) {
            if (!name.isBlank()) {
                String content = optionalResource(name.trim());
                if (content == null) {
                    throw new ImageException(ImageException.Code.UNSUPPORTED, "guest agent source " + BASE + name.trim()
                            + " is missing from the classpath; rebuild the guest-agent module");
                }
                sources.put(name.trim(), content);
            }
        }
        return new AgentBinary(sources);
    }

    String version() {
        return version;
    }

    /** Compiles the agent into {@code output}, statically linked and stripped. */
    void compile(Path workDir, Path output) {
        try {
            List<String> command = new ArrayList<>(List.of("gcc", "-static", "-Os", "-Wall", "-Wextra",
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

    private static String optionalResource(String name) {
        try (InputStream in = AgentBinary.class.getResourceAsStream(BASE + name)) {
            if (in == null) {
                return null;
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
