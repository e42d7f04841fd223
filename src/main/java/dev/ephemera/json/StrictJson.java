package dev.ephemera.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A JSON parser that refuses everything a provider's parser might read differently from ours: invalid UTF-8
 * (overlong forms and encoded surrogates included), a byte-order mark, duplicate keys, unpaired surrogates written
 * as escapes, non-standard tokens (NaN, comments, single quotes), anything after the first value, and nesting
 * deeper than {@link #MAX_DEPTH}. Values come out as plain Java: {@code Map<String, Object>} (in order),
 * {@code List<Object>}, {@code String}, {@code BigDecimal}, {@code Boolean} and {@link #NULL}.
 */
public final class StrictJson {

    /** JSON {@code null}: a value that is present, unlike a missing key. */
    public static final Object NULL = new Object() {
        @Override
        public String toString() {
            return "null";
        }
    };
    /**
     * A string value of at least {@link #UNREAD_FROM} bytes without escapes, as {@link #parseLeavingLongText} gives
     * it: its bytes are checked like every other (strict UTF-8, no control character, closed) but not copied.
     */
    public static final Object UNREAD_TEXT = new Object() {
        @Override
        public String toString() {
            return "\"…\"";
        }
    };
    /** The shortest string {@link #parseLeavingLongText} leaves unread, in bytes. */
    static final int UNREAD_FROM = 256;
    /** The broker's one JSON depth limit (SPEC §7). */
    static final int MAX_DEPTH = JsonDepth.MAX;

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH)
                    .maxNumberLength(400).build())
            .build();

    private StrictJson() {
    }

    /** The value {@code utf8} holds, or empty when it is not exactly one strict JSON value. */
    public static Optional<Object> parse(byte[] utf8) {
        return parse(utf8, false);
    }

    /**
     * {@link #parse}, refusing exactly what it refuses, with every string value of {@link #UNREAD_FROM} bytes or
     * more that holds no escape given as {@link #UNREAD_TEXT}: for a message that is sent on as it came and whose
     * long strings (an audio append's base64) no decision reads. Keys and escaped strings are always read.
     */
    public static Optional<Object> parseLeavingLongText(byte[] utf8) {
        return parse(utf8, true);
    }

    private static Optional<Object> parse(byte[] utf8, boolean leaveLongText) {
        // Checked here, not left to Jackson, which would guess UTF-16 or UTF-32 from zero bytes among the first
        // four: with no zero byte (none can stand in JSON text) and no byte-order mark it reads UTF-8. The bytes
        // are read in place, never copied into a String first (an audio append is mostly one long string).
        if (!Utf8.valid(utf8) || Utf8.startsWithByteOrderMark(utf8)) {
            return Optional.empty();
        }
        try (JsonParser parser = FACTORY.createParser(utf8)) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                return Optional.empty();
            }
            Object value = read(parser, first, leaveLongText ? utf8 : null);
            return parser.nextToken() == null ? Optional.of(value) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The value at {@code token}; with {@code unread} (the parser's input), long plain strings are left unread. */
    private static Object read(JsonParser parser, JsonToken token, byte[] unread) throws IOException {
        return switch (token) {
            case START_OBJECT -> {
                Map<String, Object> object = new LinkedHashMap<>();
                for (JsonToken t = parser.nextToken(); t != JsonToken.END_OBJECT; t = parser.nextToken()) {
                    String name = checked(parser.currentName());
                    // Values are never null (NULL stands for JSON null): an earlier value means a duplicate key.
                    if (object.put(name, read(parser, parser.nextToken(), unread)) != null) {
                        throw new IOException("duplicate key");
                    }
                }
                yield Collections.unmodifiableMap(object);
            }
            case START_ARRAY -> {
                List<Object> array = new ArrayList<>();
                for (JsonToken t = parser.nextToken(); t != JsonToken.END_ARRAY; t = parser.nextToken()) {
                    array.add(read(parser, t, unread));
                }
                yield Collections.unmodifiableList(array);
            }
            case VALUE_STRING -> unread != null
                    && Utf8.plainString(unread, parser.currentTokenLocation().getByteOffset(), UNREAD_FROM)
                    ? UNREAD_TEXT : checked(parser.getText());
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> parser.getDecimalValue();
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            case VALUE_NULL -> NULL;
            default -> throw new IOException("unexpected token " + token);
        };
    }

    /** Refuses a string with an unpaired surrogate: parsers disagree on what it is. */
    private static String checked(String s) throws IOException {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new IOException("unpaired surrogate");
            }
        }
        return s;
    }

    /** {@code value}, as {@link #parse} gives values, as UTF-8 JSON text. */
    public static byte[] write(Object value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator generator = FACTORY.createGenerator(out)) {
            write(generator, value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static void write(JsonGenerator generator, Object value) throws IOException {
        if (value instanceof Map<?, ?> object) {
            generator.writeStartObject();
            for (Map.Entry<?, ?> e : object.entrySet()) {
                generator.writeFieldName((String) e.getKey());
                write(generator, e.getValue());
            }
            generator.writeEndObject();
        } else if (value instanceof List<?> array) {
            generator.writeStartArray();
            for (Object item : array) {
                write(generator, item);
            }
            generator.writeEndArray();
        } else if (value instanceof String text) {
            generator.writeString(text);
        } else if (value instanceof BigDecimal number) {
            generator.writeNumber(number);
        } else if (value instanceof Number number) {
            generator.writeNumber(number.longValue());
        } else if (value instanceof Boolean bool) {
            generator.writeBoolean(bool);
        } else if (value == UNREAD_TEXT) {
            throw new IllegalArgumentException("a string left unread");
        } else if (value == NULL || value == null) {
            generator.writeNull();
        } else {
            throw new IllegalArgumentException("not a JSON value: " + value.getClass().getSimpleName());
        }
    }

    /** Whether two parsed values are the same JSON value: numbers by value ({@code 1.0} is {@code 1}). */
    public static boolean same(Object a, Object b) {
        if (a == UNREAD_TEXT || b == UNREAD_TEXT) {
            return false;
        }
        if (a instanceof BigDecimal x && b instanceof BigDecimal y) {
            return x.compareTo(y) == 0;
        }
        if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
            if (x.size() != y.size()) {
                return false;
            }
            for (Map.Entry<?, ?> e : x.entrySet()) {
                if (!y.containsKey(e.getKey()) || !same(e.getValue(), y.get(e.getKey()))) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof List<?> x && b instanceof List<?> y) {
            if (x.size() != y.size()) {
                return false;
            }
            for (int i = 0; i < x.size(); i++) {
                if (!same(x.get(i), y.get(i))) {
                    return false;
                }
            }
            return true;
        }
        return a.equals(b);
    }
}
