package dev.thaw.cli;

import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Thaw's own standard input, forwarded to the program when it is a pipe or a file (as in
 * {@code echo hi | thaw run ...}) and left alone when it is a terminal, where reading it
 * would wait for someone to type.
 */
final class StandardInput {

    private static final MethodHandle ISATTY = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("isatty").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

    private StandardInput() {}

    static boolean isTerminal() {
        try {
            return (int) ISATTY.invokeExact(0) == 1;
        } catch (Throwable e) {
            return true; // when in doubt, do not block on a read
        }
    }

    /** All of standard input, or null when it is a terminal or not open at all. */
    static byte[] readUnlessTerminal(int limit) {
        if (isTerminal()) {
            return null;
        }
        byte[] data;
        try {
            data = System.in.readNBytes(limit + 1);
        } catch (IOException e) {
            return null; // descriptor 0 closed: there is nothing to forward
        }
        if (data.length > limit) {
            throw new IllegalArgumentException("standard input is over " + limit + " bytes; Thaw passes at most that");
        }
        return data;
    }
}
