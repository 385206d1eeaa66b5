package dev.thaw.vmm.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.thaw.vmm.VmmException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeviceStateSinkTest {

    @TempDir
    Path dir;

    @Test
    void the_file_is_whole_when_the_stream_ends() throws Exception {
        byte[] state = new byte[3_000_000];
        new Random(7).nextBytes(state);
        Path target = dir.resolve("vmstate");
        try (DeviceStateSink sink = new DeviceStateSink(dir.resolve("migrate.sock"), target)) {
            assertThat(sink.uri()).isEqualTo("unix:" + dir.resolve("migrate.sock"));
            try (SocketChannel qemu = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                qemu.connect(UnixDomainSocketAddress.of(dir.resolve("migrate.sock")));
                ByteBuffer data = ByteBuffer.wrap(state);
                while (data.hasRemaining()) {
                    qemu.write(data);
                }
            }

            assertThat(sink.await(Duration.ofSeconds(5))).isEqualTo(state.length);
        }
        assertThat(Files.readAllBytes(target)).isEqualTo(state);
        assertThat(dir.resolve("migrate.sock")).doesNotExist();
    }

    @Test
    void a_stream_that_never_comes_times_out() {
        try (DeviceStateSink sink = new DeviceStateSink(dir.resolve("migrate.sock"), dir.resolve("vmstate"))) {
            assertThatThrownBy(() -> sink.await(Duration.ofMillis(100)))
                    .isInstanceOf(VmmException.class)
                    .hasMessageContaining("did not end within 100 ms");
        }
    }
}
