package dev.ephemera.web;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadFeature;
import dev.ephemera.error.BrokerException;
import dev.ephemera.error.ErrorCode;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.MediaType;
import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The fields of a request body (a JSON object, or an HTML form where the endpoint allows one), read with types
 * checked: a missing, unknown or ill-typed field is an {@code invalid_request} naming it in {@code param}.
 * Bodies are read by hand rather than bound to records so that each mistake gets its own clear answer.
 */
public final class RequestFields {

    /** Duplicate keys refused: readers disagree on which one wins, and a decision must rest on one value. */
    private static final JsonFactory JSON_FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    private final Map<String, JsonNode> fields;

    private RequestFields(Map<String, JsonNode> fields) {
        this.fields = fields;
    }

    /** Reads a JSON object body; an absent or empty body is an empty object. */
    public static RequestFields json(JsonMapper mapper, @Nullable String body) {
        if (body == null || body.isBlank()) {
            return new RequestFields(Map.of());
        }
        JsonNode node;
        try {
            requireSingleValue(body);
            node = mapper.readValue(body, JsonNode.class);
        } catch (IOException | RuntimeException e) {
            throw new BrokerException(ErrorCode.INVALID_JSON,
                    "The request body is not valid JSON; send a JSON object.");
        }
        if (node == null || !node.isObject()) {
            throw new BrokerException(ErrorCode.INVALID_JSON, "The request body must be a JSON object.");
        }
        Map<String, JsonNode> map = new LinkedHashMap<>();
        node.entries().forEach(e -> map.put(e.getKey(), e.getValue()));
        return new RequestFields(map);
    }

    /**
     * The mapper reads the first value and ignores the rest, and keeps the last of duplicate keys: a body with more
     * than one value, or a key twice in one object, is refused.
     */
    private static void requireSingleValue(String body) throws IOException {
        try (JsonParser parser = JSON_FACTORY.createParser(body)) {
            parser.nextToken();
            parser.skipChildren();
            if (parser.nextToken() != null) {
                throw new IOException("trailing content");
            }
        }
    }

    /** Reads a JSON or {@code application/x-www-form-urlencoded} body, as its content type says. */
    public static RequestFields jsonOrForm(JsonMapper mapper, @Nullable MediaType contentType, @Nullable String body) {
        if (contentType != null && contentType.matches(MediaType.APPLICATION_FORM_URLENCODED_TYPE)) {
            return form(body);
        }
        return json(mapper, body);
    }

    private static RequestFields form(@Nullable String body) {
        Map<String, JsonNode> map = new LinkedHashMap<>();
        if (body != null && !body.isEmpty()) {
            for (String pair : body.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String name = decode(eq < 0 ? pair : pair.substring(0, eq));
                String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
                if (map.put(name, JsonNode.createStringNode(value)) != null) {
                    throw BrokerException.invalid(name, "Parameter '" + name + "' is given more than once.");
                }
            }
        }
        return new RequestFields(map);
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new BrokerException(ErrorCode.INVALID_REQUEST, "The form body is not correctly URL-encoded.");
        }
    }

    /** Refuses any field not in {@code known}, so that a misspelt field is not silently ignored. */
    public RequestFields allowOnly(Set<String> known) {
        for (String name : fields.keySet()) {
            if (!known.contains(name)) {
                throw BrokerException.invalid(printable(name), "Unknown parameter '" + printable(name) + "'.");
            }
        }
        return this;
    }

    public boolean has(String name) {
        JsonNode node = fields.get(name);
        return node != null && !node.isNull();
    }

    @Nullable
    public String string(String name) {
        JsonNode node = fields.get(name);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isString()) {
            throw BrokerException.invalid(name, "'" + name + "' must be a string.");
        }
        return node.getStringValue();
    }

    public String requiredString(String name) {
        String value = string(name);
        if (value == null || value.isEmpty()) {
            throw BrokerException.invalid(name, "'" + name + "' is required.");
        }
        return value;
    }

    /** An integer in {@code [min, max]}; form bodies give numbers as strings, which are accepted. */
    @Nullable
    public Long integer(String name, long min, long max) {
        JsonNode node = fields.get(name);
        if (node == null || node.isNull()) {
            return null;
        }
        long value;
        if (node.isNumber()) {
            double d = node.getDoubleValue();
            if (d != Math.rint(d) || Double.isInfinite(d)) {
                throw BrokerException.invalid(name, "'" + name + "' must be a whole number.");
            }
            value = d > Long.MAX_VALUE ? Long.MAX_VALUE : d < Long.MIN_VALUE ? Long.MIN_VALUE : node.getLongValue();
        } else {
            throw BrokerException.invalid(name, "'" + name + "' must be an integer.");
        }
        if (value < min || value > max) {
            throw BrokerException.invalid(name, "'" + name + "' must be between " + min + " and " + max + ".");
        }
        return value;
    }

    /** A boolean; form bodies may say {@code true}/{@code false}. */
    public boolean bool(String name) {
        JsonNode node = fields.get(name);
        if (node == null || node.isNull()) {
            return false;
        }
        if (node.isBoolean()) {
            return node.getBooleanValue();
        }
        if (node.isString() && ("true".equals(node.getStringValue()) || "false".equals(node.getStringValue()))) {
            return Boolean.parseBoolean(node.getStringValue());
        }
        throw BrokerException.invalid(name, "'" + name + "' must be true or false.");
    }

    @Nullable
    public List<String> strings(String name, int maxItems) {
        JsonNode node = fields.get(name);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isArray()) {
            throw BrokerException.invalid(name, "'" + name + "' must be an array of strings.");
        }
        if (node.size() > maxItems) {
            throw BrokerException.invalid(name, "'" + name + "' may hold at most " + maxItems + " items.");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode item : node.values()) {
            if (!item.isString()) {
                throw BrokerException.invalid(name, "'" + name + "' must be an array of strings.");
            }
            out.add(item.getStringValue());
        }
        return List.copyOf(out);
    }

    @Nullable
    public JsonNode object(String name) {
        JsonNode node = fields.get(name);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            throw BrokerException.invalid(name, "'" + name + "' must be a JSON object.");
        }
        return node;
    }

    /** A field name quoted back in a message: short and printable, so a message cannot carry a payload. */
    private static String printable(String name) {
        String cut = name.length() > 40 ? name.substring(0, 40) + "…" : name;
        return cut.replaceAll("[^A-Za-z0-9_.-]", "?");
    }
}
