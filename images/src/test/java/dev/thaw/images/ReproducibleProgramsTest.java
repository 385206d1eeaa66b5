package dev.thaw.images;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The C that layers and the initramfs carry compiles to the same bytes every time: an image is
 * named by its content's digest, so two hosts building the same recipe must get the same image
 * for snapshots to be shared between them.
 */
class ReproducibleProgramsTest {

    private static final String LIBRARY = """
            #include <stdio.h>
            __attribute__((constructor)) static void hello(void) { puts("loaded"); }
            """;

    @TempDir
    Path dir;

    @Test
    void a_guest_program_compiled_twice_is_the_same_file() throws Exception {
        GuestProgram.compile(LIBRARY, dir.resolve("first/premain.so"));
        GuestProgram.compile(LIBRARY, dir.resolve("second/premain.so"));

        assertThat(Files.readAllBytes(dir.resolve("second/premain.so")))
                .isEqualTo(Files.readAllBytes(dir.resolve("first/premain.so")));
    }

    @Test
    void the_agent_compiled_in_two_work_directories_is_the_same_file() throws Exception {
        AgentBinary agent = AgentBinary.fromResources();
        agent.compile(Files.createDirectories(dir.resolve("work-1")), dir.resolve("agent-1"));
        agent.compile(Files.createDirectories(dir.resolve("work-22")), dir.resolve("agent-2"));

        assertThat(Files.readAllBytes(dir.resolve("agent-2"))).isEqualTo(Files.readAllBytes(dir.resolve("agent-1")));
    }
}
