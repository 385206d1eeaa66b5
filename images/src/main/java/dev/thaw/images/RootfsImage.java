package dev.thaw.images;

import java.nio.file.Path;

/** A language's root filesystem: a raw ext4 image named by its sha256. Never modified. */
public record RootfsImage(String name, Path file, String sha256, long sizeBytes) {}
