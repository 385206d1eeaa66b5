package dev.thaw.images;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Runs a host tool to completion, keeping its output for the error message if it fails. */
final class HostCommand {

    private HostCommand() {}

    static String run(List<String> command) {
        return run(command, null, Map.of());
    }

    static String run(List<String> command, Path directory, Map<String, String> env) {
        Path log = null;
        try {
            log = Files.createTempFile("thaw-cmd-", ".log");
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
            if (directory != null) {
                builder.directory(directory.toFile());
            }
            builder.environment().putAll(env);
            int exit = builder.start().waitFor();
            String output = Files.readString(log, StandardCharsets.ISO_8859_1);
            if (exit != 0) {
                throw new ImageException(ImageException.Code.TOOL_FAILED, "'" + String.join(" ", command)
                        + "' failed with exit status " + exit + ":\n" + tail(output));
            }
            return output;
        } catch (IOException e) {
            throw new ImageException(ImageException.Code.TOOL_FAILED,
                    "cannot run " + command.getFirst() + " (is it installed? ./thaw installs it): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ImageException(ImageException.Code.TOOL_FAILED, "interrupted while running " + command.getFirst());
        } finally {
            if (log != null) {
                log.toFile().delete();
            }
        }
    }

    private static String tail(String output) {
        String[] lines = output.split("\n");
        int from = Math.max(0, lines.length - 20);
        return "  " + String.join("\n  ", java.util.Arrays.copyOfRange(lines, from, lines.length));
    }
}
