package dev.thaw.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LanguagesTest {

    private final Languages languages = Languages.builtIn();

    @Test
    void aliases_and_case_find_the_language() {
        assertThat(languages.get("PY").id()).isEqualTo("python");
        assertThat(languages.get("python3").id()).isEqualTo("python");
    }

    @Test
    void python_image_carries_its_resident_runner() {
        Language python = languages.get("python");

        assertThat(python.resident()).isTrue();
        assertThat(python.imageFiles()).containsKeys("/etc/thaw/resident", "/opt/thaw/python-runner.py");
        assertThat(python.imageFiles().get("/etc/thaw/resident")).contains("/opt/thaw/python-runner.py");
    }

    @Test
    void unknown_language_names_the_known_ones() {
        assertThatThrownBy(() -> languages.get("brainfuck"))
                .hasMessage("unknown language 'brainfuck'; known languages: python, sh");
    }
}
