package dev.thaw.snapshot;

import java.util.Arrays;
import java.util.BitSet;

/** The page map of a diff snapshot: bit i % 8 of byte i / 8 is set when page i changed. */
final class PageMap {

    private PageMap() {}

    static byte[] encode(BitSet pages, long pageCount) {
        return Arrays.copyOf(pages.toByteArray(), Math.toIntExact((pageCount + 7) / 8));
    }

    static BitSet decode(byte[] bytes) {
        return BitSet.valueOf(bytes);
    }
}
