package dev.thaw.sandbox;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Three small programs per language ({@code language-samples.json} beside this class), the
 * cases every language must pass: it prints a greeting, it echoes a line of stdin, it ends
 * with a chosen exit status.
 */
public final class LanguageSamples {

    private static final String RESOURCE = "/dev/thaw/sandbox/language-samples.json";
    /** What the stdin case is fed, unless the language reads something else (jq reads JSON). */
    static final String DEFAULT_INPUT = "thaw\n";

    /**
     * @param input    stdin for every case; null for {@link #DEFAULT_INPUT}
     * @param exitCode status the exit case ends with; null for 3 (SQL can only fail, with 1)
     * @param warmUp   what a snapshot runs before it is saved, where the hello will not do: a
     *                 compiler that caches its output (nim, crystal) would otherwise keep the
     *                 hello's own in the snapshot, and a benchmark's hello would not be compiled
     *                 as any other program is; null for the hello
     */
    public record Programs(String hello, String stdin, String exit, String input, Integer exitCode,
            @JsonProperty("warm_up") String warmUp) {}

    /** One case: the program, its stdin, and what must come back. */
    public record Case(String name, String code, String stdin, String expectedStdout, int expectedExit) {}

    private final Map<String, Programs> byLanguage;

    private LanguageSamples(Map<String, Programs> byLanguage) {
        this.byLanguage = Map.copyOf(byLanguage);
    }

    /** The samples shipped with Thaw, read once: pools and snapshot makers ask for them often. */
    public static LanguageSamples builtIn() {
        return BuiltIn.SAMPLES;
    }

    private static final class BuiltIn {
        static final LanguageSamples SAMPLES = read();
    }

    private static LanguageSamples read() {
        try (InputStream in = LanguageSamples.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the build");
            }
            return new LanguageSamples(new ObjectMapper().readValue(in, new TypeReference<Map<String, Programs>>() {}));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }

    /** The program a snapshot runs before it is saved: its warm-up, else its hello, or an empty one. */
    public String warmUpCode(String languageId) {
        return Optional.ofNullable(byLanguage.get(languageId))
                .map(p -> p.warmUp() == null ? p.hello() : p.warmUp())
                .orElse("");
    }

    /** The program that prints {@code hello, world} in {@code languageId}, if it has samples. */
    public Optional<String> hello(String languageId) {
        return Optional.ofNullable(byLanguage.get(languageId)).map(Programs::hello);
    }

    /** The hello, stdin and exit-code cases of {@code languageId}, if it has samples. */
    public Optional<List<Case>> cases(String languageId) {
        return Optional.ofNullable(byLanguage.get(languageId)).map(p -> {
            String input = p.input() == null ? DEFAULT_INPUT : p.input();
            int exit = p.exitCode() == null ? 3 : p.exitCode();
            return List.of(new Case("hello", p.hello(), input, "hello, world", 0),
                    new Case("stdin", p.stdin(), input, "got thaw", 0),
                    new Case("exit", p.exit(), input, null, exit));
        });
    }
}
