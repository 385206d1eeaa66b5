package dev.thaw.sandbox;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RunRequestTest {

    @Test
    void negative_timeout_is_rejected_with_the_allowed_range() {
        assertThatThrownBy(() -> request(Duration.ofMillis(-5), 100, Map.of()))
                .isInstanceOf(SandboxException.class)
                .hasMessageContaining("timeout must be between 1 ms and 10 min, was -5 ms");
    }

    @Test
    void huge_timeout_is_rejected() {
        assertThatThrownBy(() -> request(Duration.ofHours(5), 100, Map.of()))
                .hasMessageContaining("timeout must be between");
    }

    @Test
    void zero_output_cap_is_rejected() {
        assertThatThrownBy(() -> request(null, 0, Map.of())).hasMessageContaining("output cap");
    }

    @Test
    void env_name_with_equals_sign_is_rejected() {
        assertThatThrownBy(() -> request(null, 100, Map.of("A=B", "c"))).hasMessageContaining("'A=B'");
    }

    @Test
    void code_over_the_limit_is_rejected_with_its_size() {
        assertThatThrownBy(() -> new RunRequest("python", new byte[RunRequest.MAX_CODE_BYTES + 1], null, null, null,
                100, false, null)).hasMessageContaining("code is " + (RunRequest.MAX_CODE_BYTES + 1) + " bytes");
    }

    private static RunRequest request(Duration timeout, int cap, Map<String, String> env) {
        return new RunRequest("python", new byte[0], null, env, timeout, cap, false, null);
    }
}
