package dev.thaw.vmm.qemu;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.thaw.vmm.DiskChain;
import java.nio.file.Path;
import java.util.List;

/** A {@link DiskChain} as the nested JSON block options of {@code qemu-img}'s {@code json:} file names. */
final class BlockGraph {

    private static final ObjectMapper JSON = new ObjectMapper();

    private BlockGraph() {}

    static String json(DiskChain chain) {
        ObjectNode node = node("raw", chain.base());
        List<Path> layers = chain.layers();
        for (int i = layers.size() - 1; i >= 0; i--) {
            node = node("qcow2", layers.get(i)).set("backing", node);
        }
        return node("qcow2", chain.top()).set("backing", node).toString();
    }

    private static ObjectNode node(String driver, Path file) {
        ObjectNode node = JSON.createObjectNode().put("driver", driver);
        node.putObject("file").put("driver", "file").put("filename", file.toAbsolutePath().toString());
        return node;
    }
}
