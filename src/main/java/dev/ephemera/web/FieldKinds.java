package dev.ephemera.web;

import dev.ephemera.error.BrokerException;
import io.micronaut.core.beans.BeanIntrospection;
import io.micronaut.core.beans.BeanIntrospector;
import io.micronaut.core.beans.BeanProperty;
import io.micronaut.core.type.Argument;
import io.micronaut.json.tree.JsonNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The JSON kind each property of a body record takes, checked on the parsed body before any binding, so that no
 * library's coercion decides: a {@code String} is a JSON string, a {@code Long} a whole number (60.0 is 60; one
 * past the range is clamped, for the record's bounds to refuse), a {@code BigDecimal} a number or a string of one in
 * plain decimal notation (an amount of money: {@code "0.50"} or {@code 0.5}, read exactly by {@link RequestBodies}),
 * a {@code Boolean} true or false, a {@code List} an array of strings, a {@code JsonNode} an object, a record an
 * object of its own fields. {@code null} is absent.
 * Form bodies carry only text: there a whole number or {@code true}/{@code false} may come as text.
 */
final class FieldKinds {

    private static final Pattern CAMEL = Pattern.compile("([a-z0-9])([A-Z])");
    private static final Pattern DIGITS = Pattern.compile("-?[0-9]{1,30}");
    private static final Pattern DECIMAL = Pattern.compile("[0-9]{1,30}(\\.[0-9]{1,30})?");
    private static final BigDecimal MAX = BigDecimal.valueOf(Long.MAX_VALUE);
    private static final BigDecimal MIN = BigDecimal.valueOf(Long.MIN_VALUE);

    /** Each body record's properties by field name, worked out once per record type. */
    private static final ClassValue<Map<String, BeanProperty<?, Object>>> BY_FIELD = new ClassValue<>() {
        @Override
        protected Map<String, BeanProperty<?, Object>> computeValue(Class<?> type) {
            Map<String, BeanProperty<?, Object>> byField = new LinkedHashMap<>();
            for (BeanProperty<?, Object> property : BeanIntrospection.getIntrospection(type).getBeanProperties()) {
                byField.put(snakeCase(property.getName()), property);
            }
            return Map.copyOf(byField);
        }
    };

    private FieldKinds() {
    }

    /** {@code camelCase} as {@code camel_case}: a record component's name as the body's field name. */
    static String snakeCase(String name) {
        return CAMEL.matcher(name).replaceAll("$1_$2").toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * The body {@code object} re-keyed by the record's property names, every value of its property's kind;
     * an unknown or ill-typed field is an {@code invalid_request} naming it ({@code prefix} before nested names).
     */
    static <T> JsonNode checked(JsonNode object, BeanIntrospection<T> introspection, String prefix, boolean form) {
        Map<String, BeanProperty<?, Object>> byField = BY_FIELD.get(introspection.getBeanType());
        Map<String, JsonNode> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> entry : object.entries()) {
            BeanProperty<?, Object> property = byField.get(entry.getKey());
            if (property == null) {
                String shown = printable(prefix + entry.getKey());
                throw BrokerException.invalid(shown, "Unknown parameter '" + shown + "'.");
            }
            if (!entry.getValue().isNull()) {
                out.put(property.getName(),
                        value(entry.getValue(), property.asArgument(), prefix + entry.getKey(), form));
            }
        }
        return JsonNode.createObjectNode(out);
    }

    private static JsonNode value(JsonNode node, Argument<?> type, String name, boolean form) {
        Class<?> java = type.getType();
        if (java == String.class) {
            return require(node, node.isString(), name, "a string");
        }
        if (java == Long.class) {
            return JsonNode.createNumberNode(whole(node, name, form));
        }
        if (java == BigDecimal.class) {
            return JsonNode.createNumberNode(decimal(node, name));
        }
        if (java == Boolean.class) {
            if (node.isBoolean()) {
                return node;
            }
            if (form && node.isString() && ("true".equals(node.getStringValue())
                    || "false".equals(node.getStringValue()))) {
                return JsonNode.createBooleanNode(Boolean.parseBoolean(node.getStringValue()));
            }
            throw BrokerException.invalid(name, "'" + name + "' must be true or false.");
        }
        if (java == List.class) {
            require(node, node.isArray(), name, "an array of strings");
            List<JsonNode> items = new ArrayList<>();
            for (JsonNode item : node.values()) {
                items.add(require(item, item.isString(), name, "an array of strings"));
            }
            return JsonNode.createArrayNode(items);
        }
        if (java == JsonNode.class) {
            return require(node, node.isObject(), name, "a JSON object");
        }
        BeanIntrospection<?> nested = BeanIntrospector.SHARED.findIntrospection(java).orElseThrow(
                () -> new IllegalStateException("no JSON kind for " + java.getName()));
        require(node, node.isObject(), name, "a JSON object");
        return checked(node, nested, name + ".", form);
    }

    private static JsonNode require(JsonNode node, boolean kind, String name, String what) {
        if (!kind) {
            throw BrokerException.invalid(name, "'" + name + "' must be " + what + ".");
        }
        return node;
    }

    private static long whole(JsonNode node, String name, boolean form) {
        BigDecimal value;
        if (node.isNumber()) {
            Number number = node.getNumberValue();
            if (number instanceof Double d && !Double.isFinite(d) || number instanceof Float f && !Float.isFinite(f)) {
                throw BrokerException.invalid(name, "'" + name + "' must be a whole number.");
            }
            value = new BigDecimal(number.toString());
        } else if (form && node.isString() && DIGITS.matcher(node.getStringValue()).matches()) {
            value = new BigDecimal(node.getStringValue());
        } else {
            throw BrokerException.invalid(name, "'" + name + "' must be an integer.");
        }
        if (value.signum() != 0 && value.stripTrailingZeros().scale() > 0) {
            throw BrokerException.invalid(name, "'" + name + "' must be a whole number.");
        }
        return value.max(MIN).min(MAX).longValue();
    }

    /**
     * A number as the body wrote it: a JSON number (exact: {@link RequestBodies} reads fractions as {@code BigDecimal};
     * a {@code double}, which may have rounded what was sent, is not judged), or a string of digits with at most one
     * point; a string in any other notation (sign, exponent, spaces) is refused.
     */
    private static BigDecimal decimal(JsonNode node, String name) {
        if (node.isNumber() && !(node.getNumberValue() instanceof Double || node.getNumberValue() instanceof Float)) {
            return new BigDecimal(node.getNumberValue().toString());
        } else if (node.isString() && DECIMAL.matcher(node.getStringValue()).matches()) {
            return new BigDecimal(node.getStringValue());
        }
        throw BrokerException.invalid(name, "'" + name + "' must be a decimal number, as a string such as \"0.50\" "
                + "or a JSON number.");
    }

    /** A field name quoted back in a message: short and printable, so a message cannot carry a payload. */
    static String printable(String name) {
        String cut = name.length() > 40 ? name.substring(0, 40) + "…" : name;
        return cut.replaceAll("[^A-Za-z0-9_.-]", "?");
    }
}
