package dev.thaw.snapshot;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The two Linux calls the JDK does not offer: {@code stat} for allocated blocks (the JDK
 * reports only a file's apparent size) and {@code renameat2} for a rename that refuses to
 * overwrite, or atomically swaps two directories.
 */
final class Libc {

    static final int ENOENT = 2;
    static final int EEXIST = 17;
    static final int EINVAL = 22;
    static final int ENOSYS = 38;

    static final int RENAME_NOREPLACE = 1;
    static final int RENAME_EXCHANGE = 2;

    /** {@code struct stat} on x86-64 and aarch64 Linux: 144 and 128 bytes, {@code st_blocks} at 64 on both. */
    private static final long STAT_SIZE = 144;
    private static final long ST_BLOCKS = 64;
    private static final int AT_FDCWD = -100;
    private static final boolean SUPPORTED_ARCH = System.getProperty("os.name").equals("Linux")
            && (System.getProperty("os.arch").equals("amd64") || System.getProperty("os.arch").equals("aarch64"));

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Optional<MethodHandle> STAT = downcall("stat",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    private static final Optional<MethodHandle> RENAMEAT2 = downcall("renameat2",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
                    ValueLayout.ADDRESS, ValueLayout.JAVA_INT));

    private Libc() {}

    private static Optional<MethodHandle> downcall(String name, FunctionDescriptor descriptor) {
        if (!SUPPORTED_ARCH) {
            return Optional.empty();
        }
        try {
            // The first parameter of each handle is where errno is captured.
            return LINKER.defaultLookup().find(name)
                    .map(symbol -> LINKER.downcallHandle(symbol, descriptor, Linker.Option.captureCallState("errno")));
        } catch (RuntimeException e) {
            return Optional.empty(); // native access denied: callers fall back to what the JDK offers
        }
    }

    /** Bytes of disk the file occupies, or empty if this platform cannot tell. */
    static Optional<Long> allocatedBytes(Path file) {
        if (STAT.isEmpty()) {
            return Optional.empty();
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment stat = arena.allocate(STAT_SIZE, 8);
            int rc = (int) STAT.get().invokeExact(state, arena.allocateFrom(file.toString()), stat);
            return rc == 0 ? Optional.of(stat.get(ValueLayout.JAVA_LONG, ST_BLOCKS) * 512) : Optional.empty();
        } catch (Throwable e) {
            return Optional.empty();
        }
    }

    /**
     * {@code renameat2(from, to, flags)}: 0 on success, else the errno. {@link #ENOSYS} when
     * the C library lacks the call; {@link #EINVAL} when the file system does not support the flag.
     */
    static int rename(Path from, Path to, int flags) {
        if (RENAMEAT2.isEmpty()) {
            return ENOSYS;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc = (int) RENAMEAT2.get().invokeExact(state, AT_FDCWD, arena.allocateFrom(from.toString()), AT_FDCWD,
                    arena.allocateFrom(to.toString()), flags);
            return rc == 0 ? 0 : (int) ERRNO.get(state, 0L);
        } catch (Throwable e) {
            return ENOSYS;
        }
    }
}
