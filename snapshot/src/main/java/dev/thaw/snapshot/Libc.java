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
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The Linux calls the JDK does not offer: {@code stat} for allocated blocks (the JDK
 * reports only a file's apparent size), {@code renameat2} for a rename that refuses to
 * overwrite or atomically swaps two directories, {@code lseek} with {@code SEEK_DATA} and
 * {@code SEEK_HOLE} to find a sparse file's data, and {@code fallocate} to punch holes.
 */
final class Libc {

    static final int ENOENT = 2;
    static final int EEXIST = 17;
    static final int EINVAL = 22;
    static final int ENOSYS = 38;
    private static final int ENXIO = 6;
    private static final int O_RDONLY = 0;
    private static final int O_RDWR = 2;
    private static final int O_CLOEXEC = 0x80000;
    private static final int SEEK_DATA = 3;
    private static final int SEEK_HOLE = 4;
    static final int FALLOC_ALLOCATE = 0;
    static final int FALLOC_PUNCH_HOLE = 0x01 | 0x02; // FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE

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
    /*
     * Each handle is made on first use, in a holder class of its own: making a downcall
     * handle costs tens of milliseconds before the JIT warms up, and a restore, on the
     * critical path of every run, needs none of them.
     */
    private static final class Stat {
        static final Optional<MethodHandle> STAT = downcall("stat",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    }

    private static final class Rename {
        static final Optional<MethodHandle> RENAMEAT2 = downcall("renameat2",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                        ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    }

    private static final class Fd {
        /** {@code open} is variadic: its mode is passed as such, as C callers do. */
        static final Optional<MethodHandle> OPEN = downcall("open",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_INT), Linker.Option.firstVariadicArg(2));
        static final Optional<MethodHandle> CLOSE = downcall("close",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    }

    private static final class Seek {
        static final Optional<MethodHandle> LSEEK = downcall("lseek",
                FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
                        ValueLayout.JAVA_INT));
    }

    private static final class Fallocate {
        static final Optional<MethodHandle> FALLOCATE = downcall("fallocate",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
    }

    private Libc() {}

    private static Optional<MethodHandle> downcall(String name, FunctionDescriptor descriptor, Linker.Option... more) {
        if (!SUPPORTED_ARCH) {
            return Optional.empty();
        }
        Linker.Option[] options = java.util.Arrays.copyOf(more, more.length + 1);
        options[more.length] = Linker.Option.captureCallState("errno");
        try {
            // The first parameter of each handle is where errno is captured.
            return LINKER.defaultLookup().find(name)
                    .map(symbol -> LINKER.downcallHandle(symbol, descriptor, options));
        } catch (RuntimeException e) {
            return Optional.empty(); // native access denied: callers fall back to what the JDK offers
        }
    }

    /** Bytes of disk the file occupies, or empty if this platform cannot tell. */
    static Optional<Long> allocatedBytes(Path file) {
        if (Stat.STAT.isEmpty()) {
            return Optional.empty();
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment stat = arena.allocate(STAT_SIZE, 8);
            int rc = (int) Stat.STAT.get().invokeExact(state, arena.allocateFrom(file.toString()), stat);
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
        if (Rename.RENAMEAT2.isEmpty()) {
            return ENOSYS;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc = (int) Rename.RENAMEAT2.get().invokeExact(state, AT_FDCWD, arena.allocateFrom(from.toString()), AT_FDCWD,
                    arena.allocateFrom(to.toString()), flags);
            return rc == 0 ? 0 : (int) ERRNO.get(state, 0L);
        } catch (Throwable e) {
            return ENOSYS;
        }
    }

    /**
     * The byte ranges {@code [start, end)} of {@code file} that hold data, found with
     * {@code SEEK_DATA}/{@code SEEK_HOLE}; empty if this platform or file system cannot tell.
     */
    static Optional<List<long[]>> dataExtents(Path file) {
        if (Fd.OPEN.isEmpty() || Seek.LSEEK.isEmpty() || Fd.CLOSE.isEmpty()) {
            return Optional.empty();
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int fd = open(arena, state, file, O_RDONLY);
            if (fd < 0) {
                return Optional.empty();
            }
            try {
                return extents(state, fd);
            } finally {
                int ignored = (int) Fd.CLOSE.get().invokeExact(state, fd);
            }
        } catch (Throwable e) {
            return Optional.empty();
        }
    }

    private static Optional<List<long[]>> extents(MemorySegment state, int fd) throws Throwable {
        List<long[]> extents = new ArrayList<>();
        for (long offset = 0; ; ) {
            long start = (long) Seek.LSEEK.get().invokeExact(state, fd, offset, SEEK_DATA);
            if (start < 0) {
                int errno = (int) ERRNO.get(state, 0L);
                return errno == ENXIO ? Optional.of(extents) : Optional.empty(); // ENXIO: no data past offset
            }
            long end = (long) Seek.LSEEK.get().invokeExact(state, fd, start, SEEK_HOLE);
            if (end < 0) {
                return Optional.empty();
            }
            extents.add(new long[] {start, end});
            offset = end;
        }
    }

    /**
     * {@code fallocate(mode)} over each {@code [start, end)} range: {@link #FALLOC_PUNCH_HOLE}
     * frees the blocks (they read as zeros), {@link #FALLOC_ALLOCATE} allocates them. Returns 0
     * or the errno ({@link #ENOSYS} where the call is missing).
     */
    static int fallocate(Path file, int mode, List<long[]> ranges) {
        if (Fd.OPEN.isEmpty() || Fallocate.FALLOCATE.isEmpty() || Fd.CLOSE.isEmpty()) {
            return ENOSYS;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int fd = open(arena, state, file, O_RDWR);
            if (fd < 0) {
                return (int) ERRNO.get(state, 0L);
            }
            try {
                for (long[] range : ranges) {
                    int rc = (int) Fallocate.FALLOCATE.get().invokeExact(state, fd, mode, range[0], range[1] - range[0]);
                    if (rc != 0) {
                        return (int) ERRNO.get(state, 0L);
                    }
                }
                return 0;
            } finally {
                int ignored = (int) Fd.CLOSE.get().invokeExact(state, fd);
            }
        } catch (Throwable e) {
            return ENOSYS;
        }
    }

    private static int open(Arena arena, MemorySegment state, Path file, int flags) throws Throwable {
        return (int) Fd.OPEN.get().invokeExact(state, arena.allocateFrom(file.toString()), flags | O_CLOEXEC, 0);
    }
}
