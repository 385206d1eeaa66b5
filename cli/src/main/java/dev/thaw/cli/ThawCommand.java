package dev.thaw.cli;

import dev.thaw.sandbox.RuntimeOptions;
import dev.thaw.sandbox.ThawHome;
import dev.thaw.sandbox.ThawRuntime;
import dev.thaw.snapshot.StoreOptions;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

@Command(name = "thaw", mixinStandardHelpOptions = true, version = "thaw 0.1.0",
        description = "Runs code in microVMs restored from snapshots of warm language runtimes.",
        subcommands = {RunCommand.class, SnapshotCommand.class, ImageCommand.class, DoctorCommand.class,
                BenchCommand.class, ServeCommand.class, LanguagesCommand.class, TestLanguagesCommand.class})
public final class ThawCommand {

    @Option(names = "--home", scope = ScopeType.INHERIT, paramLabel = "DIR",
            description = "Where images, snapshots and run state live (default: $THAW_HOME or ~/.cache/thaw).")
    Path home;

    @Option(names = "--accel", scope = ScopeType.INHERIT, paramLabel = "auto|kvm|tcg", defaultValue = "auto",
            description = "Accelerator: auto uses KVM where it works and falls back to TCG (default: ${DEFAULT-VALUE}).")
    String accel;

    @Option(names = "--store-capacity", scope = ScopeType.INHERIT, paramLabel = "SIZE",
            defaultValue = "${env:THAW_STORE_CAPACITY}", converter = SizeConverter.class,
            description = {"Disk the snapshot store may occupy, e.g. 20G or 512M (default: $THAW_STORE_CAPACITY, else",
                    "half of the free disk plus what snapshots already use). Least recently used snapshots that",
                    "no running sandbox maps and no diff depends on are evicted to stay within it."})
    long storeCapacity;

    @Option(names = "--unpacked-capacity", scope = ScopeType.INHERIT, paramLabel = "SIZE",
            defaultValue = "${env:THAW_UNPACKED_CAPACITY}", converter = SizeConverter.class,
            description = {"Disk for plain memory files of snapshots, which restores map (default:",
                    "$THAW_UNPACKED_CAPACITY, else 2G). Every snapshot keeps its memory packed; beyond this,",
                    "the least recently used plain files are dropped and their next restore unpacks them again."})
    long unpackedCapacity = StoreOptions.DEFAULT_UNPACKED_CAPACITY;

    @Option(names = "--no-sparse", scope = ScopeType.INHERIT, negatable = false,
            description = "Keep every block of new snapshots' memory files allocated (to compare with sparse files).")
    boolean noSparse;

    ThawRuntime runtime() {
        return runtime(0);
    }

    /** A runtime that keeps {@code standbyVmms} VMMs started ahead: for commands that restore often. */
    ThawRuntime runtime(int standbyVmms) {
        RuntimeOptions options = RuntimeOptions.defaults(ThawHome.resolve(home))
                .withAccelerator(accel)
                .withStore(storeCapacity, !noSparse, unpackedCapacity)
                .withProgress(new StderrProgress())
                .withStandbyVmms(standbyVmms);
        return new ThawRuntime(options);
    }
}
