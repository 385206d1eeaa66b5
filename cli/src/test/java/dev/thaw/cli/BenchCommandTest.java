package dev.thaw.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.thaw.sandbox.Language;
import dev.thaw.sandbox.Languages;
import dev.thaw.sandbox.SandboxException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchCommandTest {

    private final Languages languages = Languages.builtIn();

    @Test
    void lang_list_takes_ids_and_aliases_in_the_order_given_each_once() {
        assertThat(BenchCommand.chosen("c, py ,bash,python3,", languages)).extracting(Language::id)
                .containsExactly("c", "python", "bash");
    }

    @Test
    void an_unknown_language_in_the_list_fails_naming_it_and_the_known_ones() {
        assertThatThrownBy(() -> BenchCommand.chosen("bash,pyhton,c", languages))
                .isInstanceOf(SandboxException.class)
                .hasMessageContaining("unknown language 'pyhton'")
                .hasMessageContaining("known languages: ")
                .hasMessageContaining("python");
    }

    @Test
    void a_list_without_names_is_a_user_error_that_says_what_to_give() {
        assertThatThrownBy(() -> BenchCommand.chosen(" , ", languages))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--lang ' , ' names no language")
                .hasMessageContaining("--lang bash,python,c");
    }

    @Test
    void without_code_a_language_is_measured_on_its_own_hello_by_id_or_alias() {
        assertThat(BenchCommand.hello(languages, "sh")).isEqualTo("echo \"hello, world\"");
        assertThat(BenchCommand.hello(languages, "py")).isEqualTo(BenchCommand.hello(languages, "python"))
                .contains("print");
    }

    @Test
    void languages_with_store_is_refused_before_anything_runs(@TempDir Path home) {
        PrintStream err = System.err;
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        int exit;
        try {
            System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
            exit = Main.run("--home", home.toString(), "bench", "--languages", "--store");
        } finally {
            System.setErr(err);
        }

        assertThat(exit).isEqualTo(ErrorReporter.USER_ERROR);
        assertThat(stderr.toString(StandardCharsets.UTF_8)).contains("cannot be combined with --serve or --store");
    }
}
