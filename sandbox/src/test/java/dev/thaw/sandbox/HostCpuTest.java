package dev.thaw.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HostCpuTest {

    @Test
    void clock_rate_comes_from_the_first_cpu_mhz_line() {
        String cpuinfo = "processor\t: 0\nmodel name\t: Some CPU\ncpu MHz\t\t: 2299.989\n\nprocessor\t: 1\ncpu MHz\t\t: 1200.000\n";

        assertThat(HostCpu.parseKhz(cpuinfo)).isEqualTo(2_299_989);
    }

    @Test
    void a_host_without_cpu_mhz_gets_the_fallback() {
        assertThat(HostCpu.parseKhz("processor\t: 0\n")).isEqualTo(HostCpu.FALLBACK_KHZ);
    }
}
