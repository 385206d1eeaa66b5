package dev.thaw.sandbox;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** The languages this build of Thaw knows. */
public final class Languages {

    private static final String RUNNER_PATH = "/opt/thaw/python-runner.py";

    private final List<Language> all;

    public Languages(List<Language> all) {
        this.all = List.copyOf(all);
    }

    public static Languages builtIn() {
        return new Languages(List.of(python(), shell()));
    }

    public List<Language> all() {
        return all;
    }

    /** Finds a language by id or alias, or fails with the list of known ones. */
    public Language get(String name) {
        String wanted = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        return all.stream()
                .filter(language -> language.answersTo(wanted))
                .findFirst()
                .orElseThrow(() -> new SandboxException(SandboxException.Code.UNKNOWN_LANGUAGE,
                        "unknown language '" + name + "'; known languages: " + names()));
    }

    private String names() {
        return all.stream().map(Language::id).sorted().collect(Collectors.joining(", "));
    }

    private static Language python() {
        String resident = String.join("\n", "/usr/bin/python3", "-s", RUNNER_PATH) + "\n";
        return new Language("python", "3.11", List.of("py", "python3"), List.of("python3"), "main.py",
                List.of("/usr/bin/python3", "-s", "{file}"), true,
                Map.of("/etc/thaw/resident", resident, RUNNER_PATH, guestResource("python-runner.py")),
                "print('hello')\n");
    }

    private static Language shell() {
        return new Language("sh", "0.5.12", List.of("shell"), List.of(), "main.sh",
                List.of("/bin/sh", "{file}"), false, Map.of(), "echo hello\n");
    }

    private static String guestResource(String name) {
        String path = "/dev/thaw/guestagent/" + name;
        try (InputStream in = Languages.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("guest resource " + path + " is missing from the build");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
