package org.jnat.app.config;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** A key whose value is one of a few words: an enum's constant, spelt as its name in lower case. */
final class Choices {
    private Choices() {
    }

    /** The constant of {@code values} that {@code key} names, {@code absent} when the key is not set. */
    static <T extends Enum<T>> T read(Section s, String key, T[] values, T absent) throws ConfigException {
        String text = s.optionalString(key, quoted(absent));
        if (text == null) {
            return absent;
        }
        for (T value : values) {
            if (spelling(value).equals(text)) {
                return value;
            }
        }
        List<String> words = Arrays.stream(values).map(Choices::quoted).toList();
        throw s.error(key, "expected " + String.join(", ", words.subList(0, words.size() - 1)) + " or "
                + words.getLast() + ", got \"" + text + "\"");
    }

    private static String spelling(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }

    private static String quoted(Enum<?> value) {
        return "\"" + spelling(value) + "\"";
    }
}
