package dev.thaw.cli;

import dev.thaw.snapshot.Snapshot;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "snapshot", mixinStandardHelpOptions = true, description = "Creates, lists, inspects and removes snapshots.",
        subcommands = {SnapshotCommand.Create.class, SnapshotCommand.ListSnapshots.class, SnapshotCommand.Remove.class,
                SnapshotCommand.Inspect.class, SnapshotCommand.Verify.class, SnapshotCommand.Squash.class,
                SnapshotCommand.Export.class, SnapshotCommand.Import.class})
final class SnapshotCommand {

    @ParentCommand
    ThawCommand thaw;

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Boots the language's image, waits for its runtime and snapshots it.")
    static final class Create implements Callable<Integer> {
        @ParentCommand
        SnapshotCommand parent;

        @Option(names = {"-l", "--lang"}, required = true, description = "Language id or alias.")
        String language;

        @Option(names = "--id", description = "Snapshot id (default: the language id).")
        String id;

        @Option(names = "--replace", description = "Replace an existing snapshot with the same id.")
        boolean replace;

        @Override
        public Integer call() {
            Snapshot snapshot = parent.thaw.runtime().createSnapshot(language, id, replace);
            System.out.println("created snapshot " + snapshot.manifest().id() + " ("
                    + Sizes.human(snapshot.allocatedBytes()) + " on disk) in " + snapshot.files().dir());
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = {"Lists snapshots: size on disk and apparent size (memory files are sparse), last use,",
                    "whether they are pinned (a running sandbox maps them, or a diff depends on them), and the",
                    "parent of diff snapshots."})
    static final class ListSnapshots implements Callable<Integer> {
        @ParentCommand
        SnapshotCommand parent;

        @Option(names = "--json", description = "Print a JSON array, one object per snapshot, sizes in bytes.")
        boolean json;

        /** One snapshot as {@code --json} prints it. */
        record Listed(String id, String language, String accelerator, long allocatedBytes, long apparentBytes,
                java.time.Instant createdAt, java.time.Instant lastUsed, boolean pinned, String parent) {
            Listed(Snapshot s, boolean pinned) {
                this(s.manifest().id(), s.manifest().language(), s.manifest().accelerator(), s.allocatedBytes(),
                        s.apparentBytes(), s.manifest().createdAt(), s.lastUsed(), pinned, s.manifest().parent());
            }
        }

        @Override
        public Integer call() throws java.io.IOException {
            var runtime = parent.thaw.runtime();
            List<Snapshot> snapshots = runtime.snapshots();
            java.util.Set<String> pinned = runtime.pinnedSnapshots();
            if (json) {
                Json.print(snapshots.stream().map(s -> new Listed(s, pinned.contains(s.manifest().id()))).toList());
                return 0;
            }
            String format = "%-20s %-8s %10s %10s  %-20s %-6s %s%n";
            System.out.printf(format, "ID", "LANGUAGE", "ON DISK", "APPARENT", "LAST USED", "PINNED", "PARENT");
            for (Snapshot s : snapshots) {
                String id = s.manifest().id();
                System.out.printf(format, id, s.manifest().language(), Sizes.human(s.allocatedBytes()),
                        Sizes.human(s.apparentBytes()), s.lastUsed().truncatedTo(java.time.temporal.ChronoUnit.SECONDS),
                        pinned.contains(id) ? "yes" : "no", s.manifest().isDiff() ? s.manifest().parent() : "-");
            }
            return 0;
        }
    }

    @Command(name = "rm", mixinStandardHelpOptions = true, description = "Removes snapshots.")
    static final class Remove implements Callable<Integer> {
        @ParentCommand
        SnapshotCommand parent;

        @Parameters(arity = "1..*", paramLabel = "ID")
        List<String> ids;

        @Override
        public Integer call() {
            var runtime = parent.thaw.runtime();
            ids.forEach(runtime::removeSnapshot);
            ids.forEach(id -> System.out.println("removed snapshot " + id));
            return 0;
        }
    }

    @Command(name = "inspect", mixinStandardHelpOptions = true,
            description = "Prints a snapshot's manifest; with --verify, checks every file's sha256.")
    static final class Inspect implements Callable<Integer> {
        @ParentCommand
        SnapshotCommand parent;

        @Parameters(paramLabel = "ID")
        String id;

        @Option(names = "--verify", description = "Check every file against its recorded sha256.")
        boolean verify;

        @Override
        public Integer call() throws Exception {
            var runtime = parent.thaw.runtime();
            Snapshot snapshot = runtime.snapshot(id).orElseThrow(() -> new IllegalArgumentException(
                    "no snapshot '" + id + "'; see: thaw snapshot list"));
            Json.printPretty(snapshot.manifest());
            if (verify) {
                var report = runtime.verifySnapshot(id);
                System.out.println(report);
                return report.ok() ? 0 : 1;
            }
            return 0;
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = {"Checks every file of the given snapshots (default: all) against its recorded sha256.",
                    "Exits 1 if any file is damaged, naming it."})
    static final class Verify implements Callable<Integer> {
        @ParentCommand
        SnapshotCommand parent;

        @Parameters(arity = "0..*", paramLabel = "ID")
        List<String> ids = new java.util.ArrayList<>();

        @Override
        public Integer call() {
            var runtime = parent.thaw.runtime();
            List<String> which = ids.isEmpty()
                    ? runtime.snapshots().stream().map(s -> s.manifest().id()).toList() : ids;
            boolean allOk = true;
            for (String id : which) {
                var report = runtime.verifySnapshot(id);
                System.out.println(report);
                allOk &= report.ok();
            }
            if (which.isEmpty()) {
                System.out.println("no snapshots to verify");
            }
            return allOk ? 0 : 1;
        }
    }

    @Command(name = "squash", mixinStandardHelpOptions = true,
            description = {"Merges a diff snapshot and the snapshots it depends on into one full snapshot,",
                    "which restores without them (by default it takes the diff's place)."})
    static final class Squash implements Callable<Integer> {
        @ParentCommand
        SnapshotCommand parent;

        @Parameters(paramLabel = "ID", description = "The diff snapshot.")
        String id;

        @Option(names = "--as", paramLabel = "NEW_ID", description = "Keep the diff and write the full snapshot as NEW_ID.")
        String into;

        @Option(names = "--replace", description = "With --as: replace an existing snapshot NEW_ID.")
        boolean replace;

        @Override
        public Integer call() {
            Snapshot squashed = parent.thaw.runtime().squash(id, into, replace);
            System.out.println("squashed " + id + " into full snapshot " + squashed.manifest().id() + " ("
                    + Sizes.human(squashed.allocatedBytes()) + " on disk)");
            return 0;
        }
    }

    @Command(name = "export", mixinStandardHelpOptions = true,
            description = {"Copies a snapshot, and for a diff every snapshot it depends on, into DIR, one directory",
                    "per snapshot. Another Thaw home imports it with: thaw snapshot import DIR"})
    static final class Export implements Callable<Integer> {
        @ParentCommand
        SnapshotCommand parent;

        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @Parameters(index = "1", paramLabel = "DIR")
        java.nio.file.Path dir;

        @Override
        public Integer call() {
            List<String> ids = parent.thaw.runtime().exportSnapshot(id, dir);
            System.out.println("exported " + String.join(", ", ids) + " to " + dir.toAbsolutePath());
            return 0;
        }
    }

    @Command(name = "import", mixinStandardHelpOptions = true,
            description = {"Imports the snapshots exported into DIR, checking every file before publishing it.",
                    "They restore once this home has built the same image (images are named by digest)."})
    static final class Import implements Callable<Integer> {
        @ParentCommand
        SnapshotCommand parent;

        @Parameters(paramLabel = "DIR")
        java.nio.file.Path dir;

        @Override
        public Integer call() {
            for (Snapshot s : parent.thaw.runtime().importSnapshots(dir)) {
                System.out.println("imported " + s.manifest().id() + " (" + Sizes.human(s.allocatedBytes()) + " on disk)");
            }
            return 0;
        }
    }
}
