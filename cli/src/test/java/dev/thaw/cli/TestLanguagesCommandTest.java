package dev.thaw.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class TestLanguagesCommandTest {

    @Test
    void lang_takes_a_comma_separated_list_and_repeats_as_bench_languages_takes_it() {
        TestLanguagesCommand command = new TestLanguagesCommand();

        new CommandLine(command).parseArgs("--lang", "go,d", "-l", "c");

        assertThat(command.only).containsExactly("go", "d", "c");
    }
}
