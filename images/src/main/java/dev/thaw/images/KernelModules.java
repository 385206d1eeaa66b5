package dev.thaw.images;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Resolves kernel modules and their dependencies from a {@code modules.dep} file, in an
 * order that loads every dependency before the modules that need it.
 */
final class KernelModules {

    private final Map<String, String> pathByName = new HashMap<>();
    private final Map<String, List<String>> dependencies = new HashMap<>();

    /** Parses {@code modules.dep}: "path/to/a.ko: path/to/b.ko path/to/c.ko". */
    KernelModules(String modulesDep) {
        for (String line : modulesDep.split("\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String path = line.substring(0, colon).trim();
            String name = nameOf(path);
            pathByName.put(name, path);
            List<String> deps = new ArrayList<>();
            for (String dep : line.substring(colon + 1).trim().split("\\s+")) {
                if (!dep.isEmpty()) {
                    deps.add(nameOf(dep));
                }
            }
            dependencies.put(name, deps);
        }
    }

    /** Module name of a path: "kernel/drivers/virtio/virtio_ring.ko.xz" is "virtio_ring". */
    static String nameOf(String path) {
        String file = path.substring(path.lastIndexOf('/') + 1);
        int ko = file.indexOf(".ko");
        return (ko < 0 ? file : file.substring(0, ko)).replace('-', '_');
    }

    /** Paths (relative to the modules directory) of {@code wanted} and all they need, dependencies first. */
    List<String> loadOrder(List<String> wanted) {
        Set<String> ordered = new LinkedHashSet<>();
        for (String name : wanted) {
            visit(name.replace('-', '_'), ordered, new LinkedHashSet<>());
        }
        return ordered.stream().map(pathByName::get).toList();
    }

    private void visit(String name, Set<String> ordered, Set<String> visiting) {
        if (ordered.contains(name)) {
            return;
        }
        if (!pathByName.containsKey(name)) {
            throw new ImageException(ImageException.Code.UNSUPPORTED, "kernel module '" + name
                    + "' is not in this kernel package (it may be built in; then leave it out)");
        }
        if (!visiting.add(name)) {
            throw new ImageException(ImageException.Code.UNSUPPORTED, "kernel modules depend on each other in a cycle: "
                    + visiting);
        }
        for (String dep : dependencies.get(name)) {
            visit(dep, ordered, visiting);
        }
        ordered.add(name);
    }
}
