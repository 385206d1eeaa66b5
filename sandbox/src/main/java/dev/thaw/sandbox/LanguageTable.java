package dev.thaw.sandbox;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.thaw.images.RootfsRecipe;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the language table ({@code languages.json} beside this class): shared image layers
 * (a Debian base, a C toolchain, a JDK, ...) and, per language, the layer it builds on, its
 * own packages and how a program runs. Data rather than code, so adding a language is one
 * entry.
 */
final class LanguageTable {

    private static final String RESOURCE = "/dev/thaw/sandbox/languages.json";
    private static final String BASE_LAYER = "base";
    /** The shared layer JVM languages build on: the table's only sign that a language runs on a JVM. */
    private static final String JVM_LAYER = "jdk";
    private static final String RESIDENT_LIST = "/etc/thaw/resident";
    private static final String RESIDENT_STDIO = "/etc/thaw/resident-stdio";
    private static final String KEPT_STDIO = "kept";
    private static final String RUNNER_DIR = "/opt/thaw/";
    private static final String PREMAIN_SOURCE = "premain.so.c";
    private static final String PREMAIN_LIBRARY = RUNNER_DIR + "premain.so";
    private static final String HOLD_SOURCE = "compile-hold.so.c";
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** A shared layer: packages installed over another layer ({@code over}), or over debootstrap's minbase. */
    record Layer(String over, List<String> packages) {}

    /**
     * One language. {@code compile}, when present, is a shell command run in the working
     * directory first; its failure is the run's failure (its messages on stderr, its exit
     * status). {@code run} is the program's command line. {@code timeout_s}, when present,
     * replaces the default timeout of the language's kind. {@code files} are written into the
     * image as given (a script, starting with {@code #!}, executable); {@code helpers} are
     * files of Thaw's that its commands use, copied to {@code /opt/thaw/}: scripts, and the D
     * modules d-compile.sh compiles.
     */
    record Entry(String id, List<String> aliases, String version, String over, List<String> packages,
            List<String> extensions, String file, String compile, List<String> run, Resident resident,
            Map<String, String> files, List<String> helpers, @JsonProperty("timeout_s") Integer timeoutSeconds) {}

    /**
     * A runtime kept loaded in the snapshot: its command line, the runner script it starts
     * (copied to {@code /opt/thaw/}), or a C program of Thaw's it is (compiled to
     * {@code /opt/thaw/} without {@code .c}). {@code in_place_only}: the runner serves only a
     * guest's last program (a JVM cannot fork), other runs start the language's command.
     * {@code stdio: "kept"}: a runtime that cannot receive descriptors (node) gets its stdio
     * on pipes the agent keeps for the program it becomes, so it too serves only a last program.
     * {@code passes_args: false}: the runner cannot hand a program its arguments, so runs with
     * arguments start the language's command (default true). {@code premain: true}: the
     * runner is the language's own command stopped before its {@code main()} by Thaw's
     * {@code premain.so} (preloaded), with kept stdio and without arguments; nothing else is given
     * but {@code preload}, a C library of Thaw's (compiled to {@code /opt/thaw/} without
     * {@code .c}) preloaded beside it, whose warm-up premain.so calls before READY.
     * {@code hold: true}: a compiled language's resident compiler, its {@code argv} a command
     * that starts the compiler under premain.so and Thaw's {@code compile-hold.so} (both installed
     * in {@code /opt/thaw/}), which hold it where it opens the program's source; kept stdio.
     * {@code warms_again: true}: a kept-stdio or in-place-only runner of Thaw's that serves mode
     * {@code warm}, its own warm-up again on request, which a pooled sandbox asks for before it waits.
     */
    record Resident(List<String> argv, String runner, String program,
            @JsonProperty("in_place_only") boolean inPlaceOnly, String stdio,
            @JsonProperty("passes_args") Boolean passesArgs, boolean premain, String preload, boolean hold,
            @JsonProperty("warms_again") boolean warmsAgain) {

        Resident {
            if (stdio != null && !stdio.equals(KEPT_STDIO)) {
                throw new IllegalStateException("languages.json: a resident's \"stdio\" can only be \""
                        + KEPT_STDIO + "\", got \"" + stdio + "\"");
            }
        }

        boolean keepsStdio() {
            return premain || stdio != null;
        }

        boolean withoutArgs() {
            return premain || Boolean.FALSE.equals(passesArgs);
        }
    }

    record Table(Map<String, Layer> layers, List<Entry> languages) {}

    private LanguageTable() {}

    static List<Language> builtIn() {
        try (InputStream in = LanguageTable.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the build");
            }
            return languages(JSON.readValue(in, Table.class));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }

    static List<Language> languages(Table table) {
        Map<String, RootfsRecipe> layers = new HashMap<>();
        List<Language> all = new ArrayList<>();
        for (Entry e : table.languages()) {
            RootfsRecipe parent = layer(table, e.over() == null ? BASE_LAYER : e.over(), layers);
            all.add(new Language(e.id(), e.version(), orEmpty(e.aliases()), orEmpty(e.extensions()), e.file(),
                    argv(e), resident(e), image(e, parent), kind(e), defaultTimeout(e), warmsAgain(e)));
        }
        return all;
    }

    private static Duration defaultTimeout(Entry e) {
        return e.timeoutSeconds() == null ? kind(e).defaultTimeout() : Duration.ofSeconds(e.timeoutSeconds());
    }

    private static boolean warmsAgain(Entry e) {
        Resident resident = e.resident();
        if (resident == null || !resident.warmsAgain()) {
            return false;
        }
        boolean lastRunRunner = resident.keepsStdio() || resident.inPlaceOnly();
        boolean thawsOwn = resident.runner() != null || resident.program() != null;
        if (!lastRunRunner || !thawsOwn || resident.premain() || resident.hold()) {
            throw new IllegalStateException("languages.json: " + e.id() + "'s resident has \"warms_again\": true, "
                    + "which only a kept-stdio or in-place-only runner of Thaw's serves (mode warm), "
                    + "not premain or hold");
        }
        return true;
    }

    private static Language.Resident resident(Entry e) {
        if (e.resident() == null) {
            return Language.Resident.NONE;
        }
        Resident resident = e.resident();
        if (resident.premain() && (e.compile() != null || resident.argv() != null || resident.runner() != null
                || resident.program() != null || resident.stdio() != null || resident.passesArgs() != null)) {
            throw new IllegalStateException("languages.json: " + e.id() + "'s resident has \"premain\": true, which "
                    + "takes its command from \"run\" and needs no other field but \"preload\", and a language without \"compile\"");
        }
        if (resident.hold()) {
            return heldCompiler(e);
        }
        if (resident.preload() != null && !resident.premain()) {
            throw new IllegalStateException("languages.json: " + e.id() + "'s resident has \"preload\", which only "
                    + "goes beside premain.so (\"premain\": true)");
        }
        if (resident.withoutArgs() && !resident.keepsStdio() && !resident.inPlaceOnly()) {
            throw new IllegalStateException("languages.json: " + e.id()
                    + "'s resident has \"passes_args\": false, which only a last-run runner (in_place_only or kept stdio) supports");
        }
        if (resident.withoutArgs()) {
            return Language.Resident.LAST_RUN_WITHOUT_ARGS;
        }
        boolean lastOnly = resident.inPlaceOnly() || resident.keepsStdio();
        return lastOnly ? Language.Resident.LAST_RUN : Language.Resident.EVERY_RUN;
    }

    private static Language.Resident heldCompiler(Entry e) {
        Resident resident = e.resident();
        if (e.compile() == null || !List.of("./main").equals(e.run()) || resident.argv() == null
                || !resident.keepsStdio() || resident.premain() || resident.preload() != null || resident.inPlaceOnly()
                || resident.passesArgs() != null) {
            throw new IllegalStateException("languages.json: " + e.id() + "'s resident has \"hold\": true, which "
                    + "needs \"compile\", \"run\": [\"./main\"] (compile-hold.so runs the program it makes as main), "
                    + "\"argv\" and \"stdio\": \"kept\", and no other field but \"runner\" or \"program\"");
        }
        return Language.Resident.HELD_COMPILER;
    }

    /** The language's own layer, or its parent's when it adds nothing (a shell in the base). */
    private static RootfsRecipe image(Entry e, RootfsRecipe parent) {
        Map<String, String> files = new LinkedHashMap<>(e.files() == null ? Map.of() : e.files());
        for (String helper : orEmpty(e.helpers())) {
            files.put(RUNNER_DIR + helper, guestResource(helper));
        }
        Map<String, String> programs = new LinkedHashMap<>();
        Resident resident = e.resident();
        if (resident != null) {
            files.put(RESIDENT_LIST, String.join("\n", residentArgv(e)) + "\n");
            if (resident.keepsStdio()) {
                files.put(RESIDENT_STDIO, KEPT_STDIO + "\n");
            }
            if (resident.runner() != null) {
                files.put(RUNNER_DIR + resident.runner(), guestResource(resident.runner()));
            }
            if (resident.program() != null) {
                programs.put(installedProgram(resident.program()), guestResource(resident.program()));
            }
            if (resident.premain() || resident.hold()) {
                programs.put(PREMAIN_LIBRARY, guestResource(PREMAIN_SOURCE));
            }
            if (resident.hold()) {
                programs.put(installedProgram(HOLD_SOURCE), guestResource(HOLD_SOURCE));
            }
            if (resident.preload() != null) {
                programs.put(installedProgram(resident.preload()), guestResource(resident.preload()));
            }
        }
        if (orEmpty(e.packages()).isEmpty() && files.isEmpty()) {
            return parent;
        }
        return new RootfsRecipe(e.id(), orEmpty(e.packages()), files, programs, parent);
    }

    /** A premain runner's command is the language's own, with the library preloaded by env. */
    private static List<String> residentArgv(Entry e) {
        if (!e.resident().premain()) {
            return e.resident().argv();
        }
        String preload = e.resident().preload() == null ? "" : " " + installedProgram(e.resident().preload());
        List<String> argv = new ArrayList<>(List.of("/usr/bin/env", "LD_PRELOAD=" + PREMAIN_LIBRARY + preload));
        argv.addAll(e.run());
        return argv;
    }

    /** Where the image holds a C source of Thaw's once compiled: {@code /opt/thaw/}, without {@code .c}. */
    private static String installedProgram(String source) {
        return RUNNER_DIR + source.replaceFirst("\\.c$", "");
    }

    /** JVM before COMPILED: Kotlin compiles, and its run is still a JVM's start-up. */
    static Language.Kind kind(Entry e) {
        if (JVM_LAYER.equals(e.over())) {
            return Language.Kind.JVM;
        }
        return e.compile() == null ? Language.Kind.INTERPRETED : Language.Kind.COMPILED;
    }

    /**
     * Compiled languages run through the shell: the compile command, then the program as
     * {@code $0 $@}, so {@code {file}} and other arguments stay separate words.
     */
    static List<String> argv(Entry e) {
        if (e.compile() == null) {
            return e.run();
        }
        List<String> argv = new ArrayList<>(List.of("/bin/sh", "-c", e.compile() + " || exit\nexec \"$0\" \"$@\""));
        argv.addAll(e.run());
        return argv;
    }

    private static RootfsRecipe layer(Table table, String name, Map<String, RootfsRecipe> made) {
        RootfsRecipe known = made.get(name);
        if (known != null) {
            return known;
        }
        Layer layer = table.layers().get(name);
        if (layer == null) {
            throw new IllegalStateException("languages.json names layer '" + name + "', which it does not define");
        }
        RootfsRecipe parent = layer.over() == null ? null : layer(table, layer.over(), made);
        RootfsRecipe recipe = new RootfsRecipe(name, orEmpty(layer.packages()), Map.of(), parent);
        made.put(name, recipe);
        return recipe;
    }

    private static List<String> orEmpty(List<String> list) {
        return list == null ? List.of() : list;
    }

    private static String guestResource(String name) {
        String path = "/dev/thaw/guestagent/" + name;
        try (InputStream in = LanguageTable.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("guest resource " + path + " is missing from the build");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
