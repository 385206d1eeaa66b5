package dev.thaw.cli;

import picocli.CommandLine.Option;

/** {@code --standby-vmms}, for the commands that restore many times in one process. */
final class StandbyVmmsOption {

    @Option(names = "--standby-vmms", paramLabel = "N", defaultValue = "4",
            description = {"VMM processes kept started ahead for the next restores of the snapshots restored last,",
                    "one per snapshot: a restore then skips starting QEMU (default: ${DEFAULT-VALUE}; 0 for none)."})
    int count;

    int count() {
        if (count < 0) {
            throw new IllegalArgumentException("--standby-vmms must be 0 or more, not " + count);
        }
        return count;
    }
}
