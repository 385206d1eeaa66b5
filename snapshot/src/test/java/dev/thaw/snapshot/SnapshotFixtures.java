package dev.thaw.snapshot;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;

/** Host profiles, manifests and snapshot files small enough for unit tests. */
final class SnapshotFixtures {

    static final long MEMORY_BYTES = 8L << 20;
    static final String DIGEST_A = "a".repeat(64);
    static final String DIGEST_B = "b".repeat(64);

    private SnapshotFixtures() {}

    /** A clock tests move by hand. */
    static final class TestClock implements InstantSource {
        private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-02T03:04:05.123456789Z"));

        @Override
        public Instant instant() {
            return now.get();
        }

        void set(Instant instant) {
            now.set(instant);
        }
    }

    static final String CMDLINE = "console=ttyS0 tsc_early_khz=2300000";

    static HostProfile host() {
        return new HostProfile("qemu", "7.2.0", "tcg", "qemu64", 512, 1, DIGEST_A, DIGEST_A, DIGEST_A, "1", CMDLINE);
    }

    static Manifest draft(String language) {
        HostProfile h = host();
        return new Manifest(Manifest.FORMAT_VERSION, "ignored", language, h.vmm(), h.vmmVersion(), h.accelerator(),
                h.cpuModel(), h.memoryMiB(), h.vcpus(), h.kernelDigest(), h.initrdDigest(), h.rootfsDigest(),
                h.agentVersion(), h.cmdline(), null, null, Map.of());
    }

    /** What a template VM leaves behind: sparse memory, a small vmstate, a disk overlay. */
    static void writeVmFiles(SnapshotFiles files, long seed) throws IOException {
        Random random = new Random(seed);
        try (RandomAccessFile memory = new RandomAccessFile(files.memory().toFile(), "rw")) {
            memory.setLength(MEMORY_BYTES);
            for (long offset : new long[] {0, 1 << 20, 5 << 20}) {
                memory.seek(offset);
                memory.write(bytes(random, 64 << 10));
            }
        }
        Files.write(files.vmstate(), bytes(random, 60_000));
        Files.write(files.disk(), bytes(random, 200_000));
    }

    static Snapshot create(SnapshotStore store, String id, long seed) throws IOException {
        try (PendingSnapshot pending = store.begin(id, 0, false)) {
            writeVmFiles(pending.files(), seed);
            return pending.commit(draft(id));
        }
    }

    static byte[] bytes(Random random, int n) {
        byte[] data = new byte[n];
        random.nextBytes(data);
        return data;
    }

    static void flipByte(Path file, long offset) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(offset);
            int b = raf.read();
            raf.seek(offset);
            raf.write(b ^ 0xff);
        }
    }

    static void truncate(Path file, long length) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(length);
        }
    }
}
