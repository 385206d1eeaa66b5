package dev.thaw.agent;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/** Messages the host sends to the guest agent (PROTOCOL.md, "Host to guest"). */
public sealed interface HostMessage {

    /** Asks the agent to answer with READY carrying {@code nonce}. */
    record Ping(long nonce) implements HostMessage {}

    /** Fresh entropy (32 to 512 bytes) and the wall-clock time, sent after every restore before any run. */
    record Seed(byte[] entropy, long unixNanos) implements HostMessage {

        public static final int MIN_ENTROPY = 32, MAX_ENTROPY = 512;

        public Seed {
            if (entropy.length < MIN_ENTROPY || entropy.length > MAX_ENTROPY) {
                throw new IllegalArgumentException("SEED takes " + MIN_ENTROPY + " to " + MAX_ENTROPY
                        + " bytes of entropy, got " + entropy.length);
            }
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Seed s && s.unixNanos == unixNanos && Arrays.equals(s.entropy, entropy);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(entropy) * 31 + Long.hashCode(unixNanos);
        }

        @Override
        public String toString() {
            return "Seed[" + entropy.length + " bytes of entropy, unixNanos=" + unixNanos + "]";
        }
    }

    /**
     * One program to run.
     *
     * @param resident   hand the code to the image's resident runner instead of executing argv
     * @param last       no run follows in this guest, so the resident runner may run the code
     *                   in place instead of forking
     * @param timeoutMs  after this long the program's process group is killed
     * @param outputCap  bytes kept of each of stdout and stderr (the agent keeps at most 32 MiB - 1 KiB)
     * @param codeFile   file name the code is saved under in the program's working directory
     * @param argv       command to execute; the element {@code {file}} stands for the code file.
     *                   For a resident run, the program's own arguments alone
     * @param env        {@code NAME=value} entries added to the program's environment; later ones win
     */
    record Run(boolean resident, boolean last, int timeoutMs, int outputCap, String codeFile, byte[] code,
            byte[] stdin, List<String> argv, List<String> env) implements HostMessage {

        public Run {
            if (timeoutMs < 0 || outputCap < 0) {
                throw new IllegalArgumentException("timeoutMs and outputCap must not be negative, got "
                        + timeoutMs + " and " + outputCap);
            }
            Objects.requireNonNull(codeFile, "codeFile");
            Objects.requireNonNull(code, "code");
            Objects.requireNonNull(stdin, "stdin");
            argv = List.copyOf(argv);
            env = List.copyOf(env);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Run r && r.resident == resident && r.last == last && r.timeoutMs == timeoutMs
                    && r.outputCap == outputCap && r.codeFile.equals(codeFile) && Arrays.equals(r.code, code)
                    && Arrays.equals(r.stdin, stdin) && r.argv.equals(argv) && r.env.equals(env);
        }

        @Override
        public int hashCode() {
            return Objects.hash(resident, last, timeoutMs, outputCap, codeFile, Arrays.hashCode(code),
                    Arrays.hashCode(stdin), argv, env);
        }

        @Override
        public String toString() {
            return "Run[resident=" + resident + ", last=" + last + ", timeoutMs=" + timeoutMs + ", outputCap="
                    + outputCap + ", codeFile=" + codeFile + ", code=" + code.length + " bytes, stdin="
                    + stdin.length + " bytes, argv=" + argv + ", env=" + env.size() + " entries]";
        }
    }

    /**
     * Writes a file of the guest's root filesystem as the sandbox user (parents created).
     *
     * @param path absolute path in the guest, without {@code ..}
     * @param mode permission bits of a file it creates
     */
    record PutFile(String path, int mode, byte[] data) implements HostMessage {

        public PutFile {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(data, "data");
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof PutFile f && f.path.equals(path) && f.mode == mode && Arrays.equals(f.data, data);
        }

        @Override
        public int hashCode() {
            return Objects.hash(path, mode, Arrays.hashCode(data));
        }

        @Override
        public String toString() {
            return "PutFile[" + path + ", mode " + Integer.toOctalString(mode) + ", " + data.length + " bytes]";
        }
    }

    /** Reads a regular file (at most 16 MiB) of the guest's root filesystem as the sandbox user. */
    record GetFile(String path) implements HostMessage {

        public GetFile {
            Objects.requireNonNull(path, "path");
        }
    }

    /**
     * Has the resident runner go through its own warm-up again, in its own process, and wait
     * for a program as before; answered by a RESULT with exit code 0 once it has. Runtimes
     * whose code lives in each process's own heap (Racket CS, the BEAM's JIT, Poly/ML,
     * HotSpot's generated code) are warmed for the program only this way: warm-up runs in
     * processes of their own leave nothing translated in the runner's.
     */
    record Warm(int timeoutMs) implements HostMessage {

        public Warm {
            if (timeoutMs < 0) {
                throw new IllegalArgumentException("timeoutMs must not be negative, got " + timeoutMs);
            }
        }
    }
}
