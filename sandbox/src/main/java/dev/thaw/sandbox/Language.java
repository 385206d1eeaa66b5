package dev.thaw.sandbox;

import dev.thaw.images.RootfsRecipe;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A language Thaw runs: the image it runs in and how the guest agent runs a program written
 * in it.
 *
 * @param version    the version Debian bookworm ships, as people name it (for listings and
 *                   Piston clients)
 * @param extensions file name extensions that mean this language, for {@code thaw run --file}
 * @param codeFile   name the program is saved under in its working directory
 * @param argv       command that runs the program; {@code {file}} stands for its path
 * @param resident   which runs a runtime the image keeps loaded and waiting
 *                   ({@code /etc/thaw/resident}) serves, so they skip its start-up
 * @param image      the root filesystem's top layer and, through its parents, the layers below
 * @param kind       how a run gets from source to a running program, which sets what a restore
 *                   can save it (a JVM or a compiler still does its work on every run)
 * @param defaultTimeout a run's timeout when its request names none: a compiler started
 *                   afresh under TCG takes seconds to minutes where an interpreter takes
 *                   milliseconds, and a user should not have to know which
 * @param residentWarmsAgain the resident runner goes through its warm-up again on request
 *                   (the agent's WARM), in its own process: what a pooled sandbox does for
 *                   runtimes whose code lives in each process's own heap (Racket CS, HotSpot), where a
 *                   warm-up run of the language's command, a process of its own, leaves the
 *                   runner's code to be translated for the program
 */
public record Language(
        String id,
        String version,
        List<String> aliases,
        List<String> extensions,
        String codeFile,
        List<String> argv,
        Resident resident,
        RootfsRecipe image,
        Kind kind,
        Duration defaultTimeout,
        boolean residentWarmsAgain) {

    /**
     * INTERPRETED runs the source as it is; COMPILED runs a compile command first (to native
     * code, bytecode or another language); JVM runs on the shared JDK layer.
     */
    public enum Kind {
        INTERPRETED(Duration.ofSeconds(10)), COMPILED(Duration.ofSeconds(60)), JVM(Duration.ofSeconds(60));

        private final Duration defaultTimeout;

        Kind(Duration defaultTimeout) {
            this.defaultTimeout = defaultTimeout;
        }

        /** Long enough for the kind's hello under TCG on a loaded 2-core host, with room to spare. */
        public Duration defaultTimeout() {
            return defaultTimeout;
        }
    }

    /**
     * NONE: no resident runner. EVERY_RUN: it forks a child for each program (Python).
     * LAST_RUN: it can only become the guest's last program itself (a JVM cannot fork; node cannot
     * receive descriptors, so it keeps the stdio the agent gave it at boot), so
     * only a one-shot run goes to it and a sandbox's other runs start the language's command.
     * LAST_RUN_WITHOUT_ARGS: as LAST_RUN, but it cannot hand a program arguments (escript reads
     * them from its VM's command line, fixed when the snapshot's VM started), so a run with
     * arguments starts the language's command too.
     * HELD_COMPILER: as LAST_RUN, for a compiled language whose compiler waits, its work for
     * every program done, where it reads the program (compile-hold.so); unlike LAST_RUN's
     * runners it did not warm the rest of the toolchain, so the snapshot is warmed by an
     * ordinary run of the compile command.
     */
    public enum Resident {
        NONE, EVERY_RUN, LAST_RUN, LAST_RUN_WITHOUT_ARGS, HELD_COMPILER;

        /** Whether a run, the guest's last or not, with or without arguments, goes to the resident runner. */
        public boolean serves(boolean last, boolean hasArgs) {
            return switch (this) {
                case NONE -> false;
                case EVERY_RUN -> true;
                case LAST_RUN, HELD_COMPILER -> last;
                case LAST_RUN_WITHOUT_ARGS -> last && !hasArgs;
            };
        }
    }

    public Language {
        aliases = List.copyOf(aliases);
        extensions = List.copyOf(extensions);
        argv = List.copyOf(argv);
    }

    public boolean answersTo(String name) {
        return id.equals(name) || aliases.contains(name);
    }

    public RootfsRecipe recipe() {
        return image;
    }

    /** Debian packages of the language's own layer (its shared layers' come on top). */
    public List<String> packages() {
        return image.packages();
    }

    /** Files Thaw adds to the language's own layer, by path inside the image. */
    public Map<String, String> imageFiles() {
        return image.files();
    }
}
