package dev.thaw.snapshot;

import java.util.List;

/** The result of checking each file of a snapshot against its manifest. */
public record VerifyReport(String id, List<FileCheck> files) {

    public VerifyReport {
        files = List.copyOf(files);
    }

    static final String MISSING = "is missing";

    /**
     * One file.
     *
     * @param size    its size now, -1 when it is missing
     * @param problem what is wrong, worded to follow the file's name; null when it matches
     */
    public record FileCheck(String name, long size, String expectedSha256, String actualSha256, String problem) {
        public boolean ok() {
            return problem == null;
        }
    }

    public boolean ok() {
        return files.stream().allMatch(FileCheck::ok);
    }

    /** The files that are missing or do not match, in manifest order. */
    public List<FileCheck> damaged() {
        return files.stream().filter(f -> !f.ok()).toList();
    }

    @Override
    public String toString() {
        StringBuilder out = new StringBuilder("snapshot " + id + ": " + (ok() ? "all files match" : "DAMAGED") + "\n");
        for (FileCheck f : files) {
            out.append("  ").append(f.ok() ? "ok      " : "BAD     ").append(f.name());
            if (!f.ok()) {
                out.append(" ").append(f.problem());
            }
            out.append('\n');
        }
        return out.toString().stripTrailing();
    }
}
