package dev.thaw.cli;

import dev.thaw.sandbox.Language;
import dev.thaw.sandbox.LanguageCheck;
import dev.thaw.sandbox.LanguageSamples;
import dev.thaw.sandbox.ThawRuntime;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** Runs every language's hello, stdin and exit-code programs from its warm snapshot; exits 1 if any fails. */
@Command(name = "test-languages", mixinStandardHelpOptions = true,
        description = {"Runs each language's hello, stdin and exit-code cases from its snapshot (building image",
                "and snapshot first if needed) and prints N passed, N failed (languages)."})
final class TestLanguagesCommand implements Callable<Integer> {

    @ParentCommand
    ThawCommand thaw;

    @Option(names = {"-l", "--lang"}, paramLabel = "ID", split = ",",
            description = "Only these languages (repeatable, or a comma-separated list, as bench --languages takes).")
    List<String> only;

    @Override
    public Integer call() {
        // Each language runs several cases, one restore each: the next one's VMM starts meanwhile.
        ThawRuntime runtime = thaw.runtime(1);
        LanguageCheck check = new LanguageCheck(runtime, LanguageSamples.builtIn());
        List<Language> languages = only == null ? runtime.languages().all()
                : only.stream().map(runtime.languages()::get).toList();
        int passed = 0;
        for (Language language : languages) {
            List<LanguageCheck.Outcome> outcomes = check.check(language);
            boolean ok = outcomes.stream().allMatch(LanguageCheck.Outcome::passed);
            passed += ok ? 1 : 0;
            for (LanguageCheck.Outcome o : outcomes) {
                System.out.printf("%-13s %-6s %-5s %8d ms%s%n", language.id(), o.caseName(), o.passed() ? "ok" : "FAIL",
                        o.millis(), o.passed() ? "" : "  " + o.failure());
            }
            System.out.flush();
        }
        System.out.println(passed + " passed, " + (languages.size() - passed) + " failed");
        return passed == languages.size() ? 0 : 1;
    }
}
