package dev.thaw.sandbox;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Milliseconds per named phase of a run, in the order the phases happened. */
public final class Timings {

    private final Map<String, Double> millis = new LinkedHashMap<>();

    public void record(String phase, long nanos) {
        millis.merge(phase, nanos / 1e6, Double::sum);
    }

    public Map<String, Double> asMap() {
        return Collections.unmodifiableMap(millis);
    }

    public double get(String phase) {
        return millis.getOrDefault(phase, 0.0);
    }
}
