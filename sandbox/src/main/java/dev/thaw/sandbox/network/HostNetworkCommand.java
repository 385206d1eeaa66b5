package dev.thaw.sandbox.network;

import dev.thaw.sandbox.SandboxException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Runs one of the host's network tools (ip, nft, conntrack) with a script on its stdin. */
final class HostNetworkCommand {

    private HostNetworkCommand() {}

    static void run(List<String> command, String input) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            try (OutputStream in = process.getOutputStream()) {
                in.write(input.getBytes(StandardCharsets.UTF_8));
            }
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            int exit = process.waitFor();
            if (exit != 0) {
                throw new SandboxException(SandboxException.Code.HOST, "'" + String.join(" ", command)
                        + "' failed with exit status " + exit + (output.isEmpty() ? "" : ": " + output)
                        + (input.isEmpty() ? "" : "\ninput was:\n" + input));
            }
        } catch (IOException e) {
            throw new SandboxException(SandboxException.Code.HOST, "cannot run " + command.getFirst()
                    + " (sandbox networking needs iproute2, nftables and conntrack; ./thaw installs them): "
                    + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SandboxException(SandboxException.Code.HOST, "interrupted while running " + command.getFirst());
        }
    }

    static void run(List<String> command) {
        run(command, "");
    }
}
