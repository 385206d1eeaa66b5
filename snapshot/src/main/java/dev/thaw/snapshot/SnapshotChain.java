package dev.thaw.snapshot;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/** A diff snapshot and the snapshots it depends on, down to a full one. */
final class SnapshotChain {

    /** Deeper chains are refused: each level costs every restore a check, and loops must end. */
    static final int MAX_DEPTH = 32;

    private SnapshotChain() {}

    /**
     * The chain from {@code leaf} down to its full snapshot. Fails when a parent is gone or
     * was replaced since the diff above it was made: that diff's pages and blocks would be
     * laid over memory and disk they were not taken from.
     */
    static List<Snapshot> walk(Snapshot leaf, Function<String, Optional<Snapshot>> find) {
        List<Snapshot> chain = new ArrayList<>(List.of(leaf));
        for (Snapshot child = leaf; child.manifest().isDiff(); ) {
            Manifest m = child.manifest();
            if (chain.size() > MAX_DEPTH) {
                throw broken(leaf, "its chain is deeper than " + MAX_DEPTH + " snapshots (or loops)");
            }
            Snapshot parent = find.apply(m.parent()).orElseThrow(() -> new SnapshotException(
                    SnapshotException.Code.MISSING_FILE, "snapshot '" + leaf.manifest().id() + "' is a diff that needs '"
                            + m.parent() + "', which is gone. " + advice(leaf)));
            if (!manifestDigest(parent).equals(m.parentManifestSha256())) {
                throw broken(leaf, "'" + m.id() + "' was made from an earlier '" + m.parent()
                        + "', which has been replaced since");
            }
            chain.add(parent);
            child = parent;
        }
        return chain;
    }

    /** Snapshots that name {@code id} as their parent. */
    static List<String> children(String id, List<Snapshot> all) {
        return all.stream().filter(s -> id.equals(s.manifest().parent())).map(s -> s.manifest().id()).toList();
    }

    static String manifestDigest(Snapshot snapshot) {
        try {
            return FileFacts.sha256(snapshot.files().manifest());
        } catch (IOException e) {
            throw StoreFailures.io("cannot read the manifest of snapshot '" + snapshot.manifest().id() + "'",
                    snapshot.files().dir(), e);
        }
    }

    private static SnapshotException broken(Snapshot leaf, String why) {
        return new SnapshotException(SnapshotException.Code.INCOMPATIBLE, "snapshot '" + leaf.manifest().id()
                + "' cannot be restored: " + why + ". " + advice(leaf));
    }

    private static String advice(Snapshot leaf) {
        return "Remove it with: thaw snapshot rm " + leaf.manifest().id();
    }
}
