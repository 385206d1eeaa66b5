package dev.thaw.images;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The inputs of a root filesystem layer: Debian packages installed on top of its parent
 * (or of debootstrap's minbase when it has none), plus files Thaw adds. Two builds of one
 * recipe over the same parent image give byte-identical images.
 *
 * @param name     image name, e.g. the language id; part of the image's file name
 * @param packages extra Debian packages (e.g. {@code python3-minimal}); empty for plain minbase
 * @param files    files to add, by absolute path inside the image, with their content;
 *                 a file starting with {@code #!} is made executable
 * @param programs executables to add, by absolute path inside the image, with their C source;
 *                 the image builder compiles them with the host's gcc (see {@link GuestProgram})
 * @param parent   the layer this one is installed over, or null for a base made by debootstrap
 */
public record RootfsRecipe(String name, List<String> packages, Map<String, String> files,
        Map<String, String> programs, RootfsRecipe parent) {

    /** Layers deeper than this would not fit the guest's virtio-mmio slots beside its other devices. */
    public static final int MAX_DEPTH = 4;

    /** A base layer: debootstrap's minbase with {@code packages}. */
    public RootfsRecipe(String name, List<String> packages, Map<String, String> files) {
        this(name, packages, files, Map.of(), null);
    }

    /** A layer without programs. */
    public RootfsRecipe(String name, List<String> packages, Map<String, String> files, RootfsRecipe parent) {
        this(name, packages, files, Map.of(), parent);
    }

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
    /** Debian policy's package name syntax; anything else would reach debootstrap's command line. */
    private static final Pattern PACKAGE = Pattern.compile("[a-z0-9][a-z0-9+.-]+");

    public RootfsRecipe {
        packages = List.copyOf(packages);
        files = Map.copyOf(files);
        programs = Map.copyOf(programs);
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("image name '" + name + "' must match " + NAME.pattern());
        }
        for (String p : packages) {
            if (!PACKAGE.matcher(p).matches()) {
                throw new IllegalArgumentException("'" + p + "' is not a Debian package name");
            }
        }
        for (String path : Stream.concat(files.keySet().stream(), programs.keySet().stream()).toList()) {
            if (!path.startsWith("/") || path.endsWith("/") || List.of(path.split("/")).contains("..")) {
                throw new IllegalArgumentException("image file '" + path + "' must be an absolute path without ..");
            }
        }
        int depth = parent == null ? 1 : 1 + parent.depth(); // this.parent is not assigned yet
        if (depth > MAX_DEPTH) {
            throw new IllegalArgumentException("image '" + name + "' has " + depth + " layers; at most " + MAX_DEPTH);
        }
    }

    /** This layer and the ones below it. */
    public int depth() {
        return parent == null ? 1 : 1 + parent.depth();
    }
}
