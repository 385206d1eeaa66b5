package dev.thaw.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.thaw.images.RootfsRecipe;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LanguagesTest {

    /** The ids and aliases issue 5 asks for. */
    private static final List<List<String>> ISSUE_LANGUAGES = List.of(List.of("bash"), List.of("sh", "dash"),
            List.of("zsh"), List.of("python", "py", "python3"), List.of("javascript", "js", "node"),
            List.of("typescript", "ts"), List.of("coffeescript", "coffee"), List.of("perl"), List.of("raku"),
            List.of("ruby", "rb"), List.of("php"), List.of("lua"), List.of("luajit"), List.of("tcl"), List.of("r"),
            List.of("awk", "gawk"), List.of("jq"), List.of("sql", "sqlite"), List.of("go", "golang"),
            List.of("rust", "rs"), List.of("c"), List.of("cpp", "c++", "g++"), List.of("objc"), List.of("d"),
            List.of("fortran"), List.of("ada"), List.of("pascal"), List.of("cobol"), List.of("nim"),
            List.of("crystal"), List.of("vala"), List.of("haskell", "hs"), List.of("ocaml"), List.of("asm", "nasm"),
            List.of("java"), List.of("kotlin", "kt"), List.of("scala"), List.of("groovy"), List.of("clojure", "clj"),
            List.of("csharp", "cs", "mono"), List.of("erlang"), List.of("elixir", "ex"),
            List.of("commonlisp", "lisp", "sbcl"), List.of("scheme", "guile"), List.of("racket"),
            List.of("emacslisp", "elisp"), List.of("prolog"), List.of("forth"), List.of("rexx"), List.of("pike"),
            List.of("haxe"), List.of("sml"), List.of("octave"), List.of("icon"), List.of("basic", "yabasic"));

    private final Languages languages = Languages.builtIn();

    @Test
    void every_language_of_the_issue_answers_to_its_id_and_aliases() {
        assertThat(languages.all()).hasSize(ISSUE_LANGUAGES.size());
        for (List<String> names : ISSUE_LANGUAGES) {
            for (String name : names) {
                assertThat(languages.get(name).id()).as(name).isEqualTo(names.getFirst());
            }
        }
    }

    @Test
    void aliases_and_case_find_the_language() {
        assertThat(languages.get("PY").id()).isEqualTo("python");
        assertThat(languages.get("python3").id()).isEqualTo("python");
    }

    @Test
    void python_image_carries_its_resident_runner() {
        Language python = languages.get("python");

        assertThat(python.resident()).isEqualTo(Language.Resident.EVERY_RUN);
        assertThat(python.imageFiles()).containsKeys("/etc/thaw/resident", "/opt/thaw/python-runner.py");
        assertThat(python.imageFiles().get("/etc/thaw/resident")).contains("/opt/thaw/python-runner.py");
    }

    @Test
    void node_languages_keep_their_runners_stdio_and_so_serve_only_a_guests_last_program() {
        for (String id : List.of("javascript", "coffeescript")) {
            Language node = languages.get(id);

            assertThat(node.resident()).isEqualTo(Language.Resident.LAST_RUN);
            assertThat(node.imageFiles()).containsEntry("/etc/thaw/resident-stdio", "kept\n")
                    .containsKey("/opt/thaw/node-runner.js");
        }
        assertThat(languages.get("coffeescript").imageFiles().get("/etc/thaw/resident")).endsWith("--coffee\n");
        assertThat(languages.get("ruby").resident()).isEqualTo(Language.Resident.EVERY_RUN);
        assertThat(languages.get("ruby").imageFiles()).doesNotContainKey("/etc/thaw/resident-stdio");
    }

    @Test
    void a_languages_warm_up_digest_follows_its_commands_and_differs_between_languages() {
        Language cobol = languages.get("cobol");
        Language recompiled = new Language(cobol.id(), cobol.version(), cobol.aliases(), cobol.extensions(),
                cobol.codeFile(), List.of("/bin/sh", "-c", "cobc -x main.cob || exit\nexec \"$0\" \"$@\"", "./main"),
                cobol.resident(), cobol.recipe(), cobol.kind(), cobol.defaultTimeout(), false);

        assertThat(SnapshotMaker.warmUpDigest(cobol)).isEqualTo(SnapshotMaker.warmUpDigest(languages.get("cobc")))
                .isNotEqualTo(SnapshotMaker.warmUpDigest(recompiled))
                .isNotEqualTo(SnapshotMaker.warmUpDigest(languages.get("fortran")));
    }

    @Test
    void erlangs_runner_serves_no_run_with_arguments_since_escript_reads_them_from_its_vms_command_line() {
        Language.Resident erlang = languages.get("erlang").resident();

        assertThat(erlang).isEqualTo(Language.Resident.LAST_RUN_WITHOUT_ARGS);
        assertThat(erlang.serves(true, false)).isTrue();
        assertThat(erlang.serves(true, true)).isFalse();
        assertThat(languages.get("csharp").resident().serves(true, true)).isTrue();
    }

    @Test
    void java_image_carries_a_jvm_runner_that_serves_only_a_guests_last_program() {
        Language java = languages.get("java");

        assertThat(java.resident()).isEqualTo(Language.Resident.LAST_RUN);
        assertThat(java.resident().serves(true, true)).isTrue();
        assertThat(java.resident().serves(false, false)).isFalse();
        assertThat(java.recipe().programs()).containsKey("/opt/thaw/jvm-runner");
        assertThat(java.imageFiles().get("/etc/thaw/resident")).startsWith("/opt/thaw/jvm-runner\n");
    }

    @Test
    void a_premain_runner_is_the_languages_own_command_with_premain_preloaded_serving_last_runs_without_arguments() {
        Language perl = languages.get("perl");

        assertThat(perl.resident()).isEqualTo(Language.Resident.LAST_RUN_WITHOUT_ARGS);
        assertThat(perl.imageFiles().get("/etc/thaw/resident"))
                .isEqualTo("/usr/bin/env\nLD_PRELOAD=/opt/thaw/premain.so\nperl\n{file}\n");
        assertThat(perl.imageFiles().get("/etc/thaw/resident-stdio")).isEqualTo("kept\n");
        assertThat(perl.recipe().programs()).containsKey("/opt/thaw/premain.so");
    }

    @Test
    void jqs_premain_runner_preloads_the_library_that_keeps_its_builtins_parsed() {
        Language jq = languages.get("jq");

        assertThat(jq.imageFiles().get("/etc/thaw/resident"))
                .isEqualTo("/usr/bin/env\nLD_PRELOAD=/opt/thaw/premain.so /opt/thaw/jq-builtins.so\njq\n-f\n{file}\n");
        assertThat(jq.recipe().programs()).containsKeys("/opt/thaw/premain.so", "/opt/thaw/jq-builtins.so");
    }

    @Test
    void prologs_premain_runner_preloads_the_library_that_initialises_swipl_in_the_snapshot() {
        Language prolog = languages.get("prolog");

        assertThat(prolog.imageFiles().get("/etc/thaw/resident"))
                .isEqualTo("/usr/bin/env\nLD_PRELOAD=/opt/thaw/premain.so /opt/thaw/prolog-state.so\nswipl\n-q\n{file}\n");
        assertThat(prolog.recipe().programs()).containsKey("/opt/thaw/prolog-state.so");
    }

    @Test
    void nims_crystals_and_ds_residents_are_their_compile_scripts_held_where_the_compiler_reads_the_program() {
        for (String id : List.of("nim", "crystal", "d")) {
            Language language = languages.get(id);
            String script = "/opt/thaw/" + id + "-compile.sh";

            assertThat(language.resident()).as(id).isEqualTo(Language.Resident.HELD_COMPILER);
            assertThat(language.resident().serves(true, true)).as(id).isTrue();
            assertThat(language.resident().serves(false, false)).as(id).isFalse();
            assertThat(language.imageFiles().get("/etc/thaw/resident")).as(id).isEqualTo("/bin/sh\n" + script + "\n--held\n");
            assertThat(language.imageFiles().get("/etc/thaw/resident-stdio")).as(id).isEqualTo("kept\n");
            assertThat(language.imageFiles().get(script)).as(id).startsWith("#!/bin/sh\n");
            assertThat(language.recipe().programs()).as(id).containsKeys("/opt/thaw/premain.so", "/opt/thaw/compile-hold.so");
            assertThat(language.argv().get(2)).as(id).startsWith(script + " ");
        }
        assertThat(languages.get("d").imageFiles()).containsKeys("/opt/thaw/d-main.d", "/opt/thaw/thaw_d_source.d");
    }

    @Test
    void a_held_compiler_started_by_compile_hold_compiles_as_the_languages_compile_command() {
        for (String id : List.of("vala", "rust")) {
            Language language = languages.get(id);
            List<String> argv = List.of(language.imageFiles().get("/etc/thaw/resident").split("\n"));
            assertThat(argv.getFirst()).as(id).isEqualTo("/opt/thaw/compile-hold.sh");
            int at = 1;
            String then = null;
            if (argv.get(at).equals("--then")) {
                then = argv.get(at + 1);
                at += 2;
            }
            String held = String.join(" ", argv.subList(at + 3, argv.size())) + (then == null ? "" : " && " + then);
            String compile = language.argv().get(2);

            assertThat(language.resident()).as(id).isEqualTo(Language.Resident.HELD_COMPILER);
            assertThat(compile.substring(0, compile.indexOf(" || exit\n"))).as(id).isEqualTo(held);
        }
    }

    @Test
    void a_compiler_that_caches_its_output_warms_its_snapshot_with_another_program_than_the_benchmarks_hello() {
        LanguageSamples samples = LanguageSamples.builtIn();

        for (String id : List.of("nim", "crystal")) {
            assertThat(samples.warmUpCode(id)).as(id).isNotBlank().isNotEqualTo(samples.hello(id).orElseThrow());
        }
        assertThat(samples.warmUpCode("c")).isEqualTo(samples.hello("c").orElseThrow());
    }

    @Test
    void haskells_resident_is_a_ghci_session_that_compiles_to_native_code_as_its_compile_command() {
        Language haskell = languages.get("haskell");
        List<String> argv = List.of(haskell.imageFiles().get("/etc/thaw/resident").split("\n"));

        assertThat(argv.subList(0, 3)).containsExactly("/usr/lib/ghc/bin/ghc", "-B/usr/lib/ghc", "--interactive");
        assertThat(argv).contains("-fobject-code", "-O0", "/opt/thaw/ghci-toolchain.sh").endsWith("-ghci-script", "/opt/thaw/haskell-runner.ghci");
        assertThat(haskell.argv().get(2)).contains(" -O0 ");
        assertThat(haskell.imageFiles().get("/opt/thaw/haskell-runner.ghci")).contains(":def thawServe thawServe");
        assertThat(haskell.residentWarmsAgain()).isTrue();
    }

    @Test
    void haskells_compile_calls_its_c_compiler_through_the_memo_the_image_carries() {
        Language haskell = languages.get("haskell");

        assertThat(haskell.argv().get(2)).contains("-pgmc /opt/thaw/cc-memo.sh");
        assertThat(haskell.imageFiles().get("/opt/thaw/cc-memo.sh")).startsWith("#!/bin/sh\n").contains(". \"${0%/*}/gcc-response.sh\"");
        assertThat(haskell.imageFiles()).containsKey("/opt/thaw/gcc-response.sh");
    }

    @Test
    void every_jvm_language_has_a_jvm_runner_for_its_last_program() {
        for (String id : List.of("java", "kotlin", "scala", "groovy", "clojure")) {
            Language language = languages.get(id);
            assertThat(language.resident()).as(id).isEqualTo(Language.Resident.LAST_RUN);
            assertThat(language.imageFiles().get("/etc/thaw/resident")).as(id).startsWith("/opt/thaw/jvm-runner\n");
        }
    }

    @Test
    void a_request_without_a_timeout_gets_its_languages_default_by_kind_or_its_own() {
        RunRequest untimed = RunRequest.of("python", "print(1)");

        assertThat(untimed.timeoutIn(languages.get("python"))).isEqualTo(Duration.ofSeconds(10));
        assertThat(untimed.timeoutIn(languages.get("c"))).isEqualTo(Duration.ofSeconds(60));
        assertThat(untimed.timeoutIn(languages.get("java"))).isEqualTo(Duration.ofSeconds(60));
        assertThat(untimed.timeoutIn(languages.get("kotlin"))).isEqualTo(Duration.ofSeconds(180));
    }

    @Test
    void a_requests_own_timeout_wins_over_the_languages_default() {
        RunRequest timed = new RunRequest("kotlin", new byte[0], null, null, Duration.ofMillis(500),
                RunRequest.DEFAULT_OUTPUT_CAP, false, null);

        assertThat(timed.timeoutIn(languages.get("kotlin"))).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void every_jvm_runner_finds_its_warm_up_program_in_its_own_image() {
        for (Language language : languages.all()) {
            String resident = language.imageFiles().getOrDefault("/etc/thaw/resident", "");
            if (!resident.startsWith("/opt/thaw/jvm-runner\n")) {
                continue;
            }
            List<String> argv = List.of(resident.split("\n"));
            assertThat(argv.get(1)).as(language.id()).isEqualTo("--warm-up");
            assertThat(language.imageFiles()).as(language.id()).containsKey(argv.get(2));
            assertThat(Path.of(argv.get(2)).getFileName()).as(language.id()).hasToString(language.codeFile());
        }
    }

    @Test
    void jvm_languages_share_one_jdk_layer_and_c_family_one_gcc_layer() {
        for (String id : List.of("kotlin", "scala", "groovy", "clojure")) {
            assertThat(languages.get(id).recipe().parent().name()).as(id).isEqualTo("jdk");
        }
        assertThat(languages.get("java").recipe().parent().name()).isEqualTo("jdk");
        assertThat(languages.get("cpp").recipe().parent()).isSameAs(languages.get("c").recipe());
        // bash and sh each add only their resident runner to the base image, whose /bin/sh sh runs.
        assertThat(languages.get("sh").recipe().parent()).isSameAs(languages.get("bash").recipe().parent());
        assertThat(languages.get("sh").recipe().parent().name()).isEqualTo("base");
    }

    @Test
    void a_language_over_the_jdk_runs_on_a_jvm_one_with_a_compile_step_is_compiled_the_rest_interpreted() {
        for (String id : List.of("java", "kotlin", "scala", "groovy", "clojure")) {
            assertThat(languages.get(id).kind()).as(id).isEqualTo(Language.Kind.JVM);
        }
        for (String id : List.of("c", "go", "rust", "typescript", "csharp", "erlang")) {
            assertThat(languages.get(id).kind()).as(id).isEqualTo(Language.Kind.COMPILED);
        }
        for (String id : List.of("bash", "python", "javascript", "ruby", "elixir")) {
            assertThat(languages.get(id).kind()).as(id).isEqualTo(Language.Kind.INTERPRETED);
        }
    }

    @Test
    void every_image_fits_the_layer_depth_the_guest_can_attach() {
        for (Language language : languages.all()) {
            assertThat(language.recipe().depth()).as(language.id()).isLessThanOrEqualTo(RootfsRecipe.MAX_DEPTH);
        }
    }

    @Test
    void compiled_languages_compile_then_exec_the_program_in_the_same_shell() {
        Language c = languages.get("c");

        assertThat(c.argv()).startsWith("/bin/sh", "-c");
        assertThat(c.argv().get(2)).startsWith("gcc ").contains(" || exit\nexec \"$0\" \"$@\"");
        assertThat(c.argv().subList(3, c.argv().size())).containsExactly("./main");
    }

    @Test
    void file_extensions_name_the_language() {
        assertThat(languages.byFileName("hello.RS").map(Language::id)).contains("rust");
        assertThat(languages.byFileName("Main.java").map(Language::id)).contains("java");
        assertThat(languages.byFileName("script.pl").map(Language::id)).contains("perl");
        assertThat(languages.byFileName("README")).isEmpty();
        assertThat(languages.byFileName("notes.txt")).isEmpty();
    }

    @Test
    void every_language_has_hello_stdin_and_exit_samples() {
        LanguageSamples samples = LanguageSamples.builtIn();
        for (Language language : languages.all()) {
            assertThat(samples.cases(language.id())).as(language.id()).hasValueSatisfying(cases ->
                    assertThat(cases).extracting(LanguageSamples.Case::name).containsExactly("hello", "stdin", "exit"));
        }
    }

    @Test
    void unknown_language_names_the_known_ones() {
        assertThatThrownBy(() -> languages.get("brainfuck"))
                .hasMessageStartingWith("unknown language 'brainfuck'; known languages: ada, asm, awk, bash, basic");
    }

    @Test
    void a_runner_warms_again_in_its_own_process_only_where_it_is_a_kept_stdio_script_of_thaws() {
        assertThat(languages.get("racket").residentWarmsAgain()).isTrue();
        assertThat(languages.get("kotlin").residentWarmsAgain()).isTrue();
        assertThat(languages.get("python").residentWarmsAgain()).isFalse();

        LanguageTable.Resident forking = new LanguageTable.Resident(
                List.of("/usr/bin/python3", "/opt/thaw/python-runner.py"), "python-runner.py", null, false, null, null,
                false, null, false, true);
        LanguageTable.Entry entry = new LanguageTable.Entry("py2", List.of(), "1", null, List.of(), List.of("py"),
                "main.py", null, List.of("python3", "{file}"), forking, null, null, null);
        Map<String, LanguageTable.Layer> layers = Map.of("base", new LanguageTable.Layer(null, List.of()));
        assertThatThrownBy(() -> LanguageTable.languages(new LanguageTable.Table(layers, List.of(entry))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("py2's resident has \"warms_again\": true, which only a kept-stdio or in-place-only runner");
    }
}
