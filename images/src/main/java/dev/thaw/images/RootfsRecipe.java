package dev.thaw.images;

import java.util.List;
import java.util.Map;

/**
 * The inputs of a root filesystem: Debian packages installed on top of debootstrap's
 * minbase, plus files Thaw adds. Two builds of one recipe give byte-identical images.
 *
 * @param name     image name, e.g. the language id
 * @param packages extra Debian packages (e.g. {@code python3-minimal})
 * @param files    files to add, by absolute path inside the image, with their content
 */
public record RootfsRecipe(String name, List<String> packages, Map<String, String> files) {

    public RootfsRecipe {
        packages = List.copyOf(packages);
        files = Map.copyOf(files);
    }
}
