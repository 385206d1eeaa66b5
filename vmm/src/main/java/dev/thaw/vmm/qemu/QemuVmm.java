package dev.thaw.vmm.qemu;

import dev.thaw.vmm.DiskChain;
import dev.thaw.vmm.PendingRestore;
import dev.thaw.vmm.Vm;
import dev.thaw.vmm.VmSpec;
import dev.thaw.vmm.Vmm;
import dev.thaw.vmm.VmmException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The QEMU backend: microvm machines, snapshots by migration with {@code x-ignore-shared}. */
public final class QemuVmm implements Vmm {

    private static final Pattern VERSION = Pattern.compile("version (\\d+\\.\\d+\\.\\d+)");

    private volatile String version;

    @Override
    public String name() {
        return "qemu";
    }

    @Override
    public String version() {
        if (version == null) {
            String output = run(List.of(QemuCommand.BINARY, "--version"));
            Matcher m = VERSION.matcher(output);
            if (!m.find()) {
                throw new VmmException(VmmException.Code.LAUNCH_FAILED, "cannot read QEMU's version from: " + output);
            }
            version = m.group(1);
        }
        return version;
    }

    @Override
    public Vm boot(VmSpec spec) {
        QemuVm vm = QemuVm.start(spec, new QemuCommand(spec).boot());
        vm.markRunning();
        return vm;
    }

    @Override
    public PendingRestore startRestore(VmSpec spec, Path vmstate) {
        if (!Files.isRegularFile(vmstate)) {
            throw new VmmException(VmmException.Code.IO, "no device state file " + vmstate);
        }
        return new QemuPendingRestore(QemuVm.start(spec, new QemuCommand(spec).restore(), vmstate));
    }

    @Override
    public void createLayer(Path layer, long virtualBytes, String baseName) {
        List<String> command = new ArrayList<>(List.of("qemu-img", "create", "-q", "-f", "qcow2"));
        if (baseName != null) {
            command.addAll(List.of("-u", "-F", "raw", "-b", baseName));
        }
        command.addAll(List.of(layer.toString(), Long.toString(virtualBytes)));
        run(command);
    }

    /**
     * A safe {@code qemu-img rebase} onto the bare base copies into the top every cluster in
     * which the old chain differs from the base; the chain is spelled out as JSON so that
     * no name recorded inside a layer is followed.
     */
    @Override
    public void flatten(DiskChain chain, String baseName) {
        run(List.of("qemu-img", "rebase", "-q", "-f", "qcow2", "-F", "raw", "-b",
                chain.base().toAbsolutePath().toString(), "json:" + BlockGraph.json(chain)));
        run(List.of("qemu-img", "rebase", "-q", "-u", "-f", "qcow2", "-F", "raw", "-b", baseName,
                chain.top().toString()));
    }

    private static String run(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new VmmException(VmmException.Code.COMMAND_FAILED, String.join(" ", command) + " failed: " + output.strip());
            }
            return output;
        } catch (IOException e) {
            throw new VmmException(VmmException.Code.LAUNCH_FAILED, "cannot run " + command.getFirst()
                    + " (is it installed? ./thaw installs it): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VmmException(VmmException.Code.IO, "interrupted running " + command.getFirst());
        }
    }
}
