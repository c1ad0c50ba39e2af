package org.jnat.app.admin;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

/** The admin API's one JSON codec (Gson), shared by the server and the CLI's client. */
public final class Json {
    private static final Gson COMPACT = new GsonBuilder().disableHtmlEscaping().create();
    private static final Gson PRETTY = new GsonBuilder().disableHtmlEscaping().setPrettyPrinting().create();

    private Json() {
    }

    /** {@code value} (records, maps, lists, strings, numbers) as compact JSON. */
    public static String write(Object value) {
        return COMPACT.toJson(value);
    }

    /** {@code value} indented, for people (the CLI's {@code --json}). */
    public static String pretty(Object value) {
        return PRETTY.toJson(value);
    }

    /** Parses {@code text}; throws {@link JsonParseException} when it is not JSON. */
    public static JsonElement parse(String text) {
        return JsonParser.parseString(text);
    }
}
