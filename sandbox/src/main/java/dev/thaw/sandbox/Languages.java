package dev.thaw.sandbox;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/** The languages this build of Thaw knows. */
public final class Languages {

    private final List<Language> all;

    public Languages(List<Language> all) {
        this.all = List.copyOf(all);
    }

    public static Languages builtIn() {
        return new Languages(LanguageTable.builtIn());
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

    /** The language whose extensions include {@code fileName}'s, if one does. */
    public Optional<Language> byFileName(String fileName) {
        int dot = fileName.lastIndexOf('.');
        if (dot < 0) {
            return Optional.empty();
        }
        String extension = fileName.substring(dot + 1).toLowerCase(Locale.ROOT);
        return all.stream().filter(language -> language.extensions().contains(extension)).findFirst();
    }

    private String names() {
        return all.stream().map(Language::id).sorted().collect(Collectors.joining(", "));
    }
}
