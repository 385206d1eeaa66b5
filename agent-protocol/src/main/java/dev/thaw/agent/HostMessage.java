package dev.thaw.agent;

import java.util.List;

/** Messages the host sends to the guest agent (PROTOCOL.md, "Host to guest"). */
public sealed interface HostMessage {

    /** Asks the agent to answer with READY carrying {@code nonce}. */
    record Ping(long nonce) implements HostMessage {}

    /** Fresh entropy and the wall-clock time, sent after every restore before any run. */
    record Seed(byte[] entropy, long unixNanos) implements HostMessage {}

    /**
     * One program to run.
     *
     * @param resident   hand the code to the image's resident runner instead of executing argv
     * @param codeFile   file name the code is saved under in the program's working directory
     * @param argv       command to execute; the element {@code {file}} stands for the code file
     * @param env        {@code NAME=value} entries added to the program's environment
     */
    record Run(boolean resident, int timeoutMs, int outputCap, String codeFile, byte[] code, byte[] stdin,
            List<String> argv, List<String> env) implements HostMessage {

        public Run {
            argv = List.copyOf(argv);
            env = List.copyOf(env);
        }
    }
}
