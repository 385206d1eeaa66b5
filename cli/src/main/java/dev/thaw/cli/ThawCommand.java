package dev.thaw.cli;

import dev.thaw.sandbox.RuntimeOptions;
import dev.thaw.sandbox.ThawHome;
import dev.thaw.sandbox.ThawRuntime;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

@Command(name = "thaw", mixinStandardHelpOptions = true, version = "thaw 0.1.0",
        description = "Runs code in microVMs restored from snapshots of warm language runtimes.",
        subcommands = {RunCommand.class, SnapshotCommand.class, ImageCommand.class, DoctorCommand.class,
                BenchCommand.class})
public final class ThawCommand {

    @Option(names = "--home", scope = ScopeType.INHERIT, paramLabel = "DIR",
            description = "Where images, snapshots and run state live (default: $THAW_HOME or ~/.cache/thaw).")
    Path home;

    @Option(names = "--accel", scope = ScopeType.INHERIT, paramLabel = "auto|kvm|tcg", defaultValue = "auto",
            description = "Accelerator: auto uses KVM where it works and falls back to TCG (default: ${DEFAULT-VALUE}).")
    String accel;

    ThawRuntime runtime() {
        RuntimeOptions options = RuntimeOptions.defaults(ThawHome.resolve(home))
                .withAccelerator(accel)
                .withProgress(new StderrProgress());
        return new ThawRuntime(options);
    }
}
