package dev.thaw.images;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Resolves kernel modules and their dependencies from a {@code modules.dep} file, in an
 * order that loads every dependency before the modules that need it. Modules the kernel
 * has built in (listed in {@code modules.builtin}) need no file and are left out, so one
 * list of wanted modules serves kernels configured either way.
 */
final class KernelModules {

    private final Map<String, String> pathByName = new HashMap<>();
    private final Map<String, List<String>> dependencies = new HashMap<>();
    private final Set<String> builtin = new HashSet<>();

    /**
     * Parses {@code modules.dep} ("path/to/a.ko: path/to/b.ko path/to/c.ko") and
     * {@code modules.builtin} (one path per line).
     */
    KernelModules(String modulesDep, String modulesBuiltin) {
        modulesBuiltin.lines().filter(l -> !l.isBlank()).map(KernelModules::nameOf).forEach(builtin::add);
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
        if (ordered.contains(name) || (builtin.contains(name) && !pathByName.containsKey(name))) {
            return;
        }
        if (!pathByName.containsKey(name)) {
            throw new ImageException(ImageException.Code.UNSUPPORTED, "kernel module '" + name
                    + "' is neither a module of this kernel package nor built in; the package's kernel lacks it");
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
