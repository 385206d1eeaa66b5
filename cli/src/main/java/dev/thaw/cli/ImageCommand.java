package dev.thaw.cli;

import dev.thaw.images.RootfsImage;
import dev.thaw.sandbox.Language;
import dev.thaw.sandbox.ThawRuntime;
import dev.thaw.snapshot.Snapshot;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "image", mixinStandardHelpOptions = true, description = "Builds and lists guest images.",
        subcommands = {ImageCommand.Build.class, ImageCommand.ListImages.class})
final class ImageCommand {

    @ParentCommand
    ThawCommand thaw;

    @Command(name = "build", mixinStandardHelpOptions = true,
            description = {"Builds the guest kernel and a language's root filesystem from Debian packages,",
                    "then the language's snapshot (again if the image, kernel, agent or QEMU changed,",
                    "or the language's commands or warm-up program)."})
    static final class Build implements Callable<Integer> {
        @ParentCommand
        ImageCommand parent;

        @ArgGroup(multiplicity = "1")
        Which which;

        static final class Which {
            @Option(names = {"-l", "--lang"}, description = "Language id or alias.")
            String language;

            @Option(names = "--all", description = "Every language Thaw knows.")
            boolean all;
        }

        @Option(names = "--no-snapshot", description = "Build the image only; the snapshot is then made on first use.")
        boolean noSnapshot;

        @Override
        public Integer call() {
            ThawRuntime runtime = parent.thaw.runtime();
            List<Language> languages = which.all ? runtime.languages().all() : List.of(runtime.languages().get(which.language));
            var kernel = runtime.kernel();
            System.out.println("kernel " + kernel.kernelVersion() + ": " + kernel.vmlinux());
            int failed = 0;
            for (int i = 0; i < languages.size(); i++) {
                Language language = languages.get(i);
                String progress = "[" + (i + 1) + "/" + languages.size() + "] " + language.id();
                try {
                    build(runtime, language, progress);
                } catch (RuntimeException e) {
                    // One language's broken package must not stop the others from building.
                    failed++;
                    System.out.println(progress + ": FAILED: " + e.getMessage());
                }
            }
            if (languages.size() > 1) {
                System.out.println((languages.size() - failed) + " built, " + failed + " failed");
            }
            return failed == 0 ? 0 : 1;
        }

        private void build(ThawRuntime runtime, Language language, String progress) {
            RootfsImage image = runtime.image(language);
            System.out.println(progress + ": image " + image.file().getFileName() + " (" + Sizes.human(image.sizeBytes())
                    + ", over " + image.lowers().stream().map(RootfsImage::name).toList() + ")");
            if (!noSnapshot) {
                Snapshot snapshot = runtime.languageSnapshot(language.id());
                System.out.println(progress + ": snapshot " + snapshot.manifest().id() + " ("
                        + Sizes.human(snapshot.allocatedBytes()) + " on disk, made " + snapshot.manifest().createdAt() + ")");
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists built root filesystem images.")
    static final class ListImages implements Callable<Integer> {
        @ParentCommand
        ImageCommand parent;

        @Override
        public Integer call() {
            System.out.printf("%-12s %10s  %s%n", "NAME", "SIZE", "SHA256");
            for (RootfsImage image : parent.thaw.runtime().images()) {
                System.out.printf("%-12s %10s  %s%n", image.name(), Sizes.human(image.sizeBytes()), image.sha256());
            }
            return 0;
        }
    }
}
