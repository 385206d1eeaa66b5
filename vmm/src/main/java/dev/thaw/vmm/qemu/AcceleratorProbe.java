package dev.thaw.vmm.qemu;

import dev.thaw.vmm.Accelerator;
import dev.thaw.vmm.VmSpec;
import dev.thaw.vmm.VmmException;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Properties;

/**
 * Picks the accelerator. KVM is used only if a guest really boots under it: on hosts with
 * nested virtualization {@code /dev/kvm} can exist while a Linux guest takes minutes to
 * boot or dies with "KVM internal error". The probe boots the guest kernel with
 * {@code thaw.probe=1}, whose init prints {@code THAW-PROBE-OK} and powers off, under a
 * deadline; the answer is remembered per host kernel and QEMU version.
 */
public final class AcceleratorProbe {

    public static final String PROBE_ARGUMENT = "thaw.probe=1";
    static final String PROBE_MARKER = "THAW-PROBE-OK";
    /** A working KVM boots the probe in well under a second; TCG needs seconds. */
    static final Duration DEADLINE = Duration.ofSeconds(8);

    /** The accelerator to use and why, in words for {@code thaw doctor}. */
    public record Decision(Accelerator accelerator, String reason) {}

    /** Boots the probe guest under KVM; true if it reported in time. */
    public interface KvmTrial {
        boolean boots(Duration deadline);
    }

    private final Path cache;
    private final String hostKey;
    private final Path kvmDevice;

    public AcceleratorProbe(Path cache, String qemuVersion) {
        this(cache, "kernel " + System.getProperty("os.version") + ", qemu " + qemuVersion, Path.of("/dev/kvm"));
    }

    AcceleratorProbe(Path cache, String hostKey, Path kvmDevice) {
        this.cache = cache;
        this.hostKey = hostKey;
        this.kvmDevice = kvmDevice;
    }

    public static String cpuModel(Accelerator accelerator) {
        return accelerator == Accelerator.KVM ? "host" : "qemu64";
    }

    public Decision resolve(AcceleratorChoice choice, KvmTrial trial) {
        return switch (choice) {
            case KVM -> new Decision(Accelerator.KVM, "asked for with --accel kvm");
            case TCG -> new Decision(Accelerator.TCG, "asked for with --accel tcg");
            case AUTO -> auto(trial);
        };
    }

    private Decision auto(KvmTrial trial) {
        if (!Files.isReadable(kvmDevice) || !Files.isWritable(kvmDevice)) {
            return new Decision(Accelerator.TCG, kvmDevice + " is missing or not accessible");
        }
        Properties cached = read();
        if (hostKey.equals(cached.getProperty("host"))) {
            return new Decision(Accelerator.valueOf(cached.getProperty("accelerator")),
                    cached.getProperty("reason") + " (probed earlier for " + hostKey + ")");
        }
        Decision decision = probe(trial);
        write(decision);
        return decision;
    }

    /**
     * QEMU itself can die under a broken KVM before the guest starts (QEMU 7.2 on a nested
     * host: "failed to set MSR 0x10a"); that too is a KVM to do without.
     */
    private static Decision probe(KvmTrial trial) {
        long seconds = DEADLINE.toSeconds();
        try {
            return trial.boots(DEADLINE)
                    ? new Decision(Accelerator.KVM, "a probe guest booted under KVM within " + seconds + " s")
                    : new Decision(Accelerator.TCG, "/dev/kvm exists but a probe guest did not boot under it within "
                            + seconds + " s (nested or broken KVM)");
        } catch (VmmException e) {
            return new Decision(Accelerator.TCG, "/dev/kvm exists but QEMU failed under it (nested or broken KVM): "
                    + e.getMessage());
        }
    }

    /** The real trial: boots {@code spec} (a KVM spec with the probe argument) and reads its console. */
    public static KvmTrial booting(VmSpec spec) {
        return deadline -> {
            QemuVm vm = QemuVm.start(spec, new QemuCommand(spec).boot());
            try {
                vm.awaitExit(deadline);
                return Files.exists(vm.serialLog()) && Files.readString(vm.serialLog()).contains(PROBE_MARKER);
            } catch (IOException e) {
                return false;
            } finally {
                vm.close();
            }
        };
    }

    private Properties read() {
        Properties p = new Properties();
        if (Files.exists(cache)) {
            try (Reader in = Files.newBufferedReader(cache)) {
                p.load(in);
            } catch (IOException e) {
                // an unreadable cache only means probing again
            }
        }
        return p;
    }

    private void write(Decision decision) {
        Properties p = new Properties();
        p.setProperty("host", hostKey);
        p.setProperty("accelerator", decision.accelerator().name());
        p.setProperty("reason", decision.reason());
        try {
            Files.createDirectories(cache.getParent());
            Path temp = Files.createTempFile(cache.getParent(), "accelerator", ".tmp");
            try (Writer out = Files.newBufferedWriter(temp)) {
                p.store(out, "answer of Thaw's KVM probe");
            }
            Files.move(temp, cache, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            // not remembering costs one more probe next time, nothing else
        }
    }
}
