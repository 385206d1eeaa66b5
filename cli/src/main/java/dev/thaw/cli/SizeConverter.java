package dev.thaw.cli;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Parses sizes the way people type them: {@code 20G}, {@code 512M}, {@code 1.5T}, or bare bytes (binary units). */
final class SizeConverter implements ITypeConverter<Long> {

    private static final Pattern FORM = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([KMGT]?)(?:i?B)?");

    @Override
    public Long convert(String value) {
        Matcher m = FORM.matcher(value.trim().toUpperCase(Locale.ROOT));
        if (!m.matches()) {
            throw new TypeConversionException("'" + value + "' is not a size; write e.g. 20G, 512M or 1073741824");
        }
        int shift = switch (m.group(2)) {
            case "K" -> 10;
            case "M" -> 20;
            case "G" -> 30;
            case "T" -> 40;
            default -> 0;
        };
        long bytes = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(1L << shift)).longValue();
        if (bytes <= 0) {
            throw new TypeConversionException("'" + value + "' is not a usable size: it must be more than 0 bytes");
        }
        return bytes;
    }
}
