package dev.ephemera.web;

import dev.ephemera.json.JsonDepth;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import dev.ephemera.error.BrokerException;
import dev.ephemera.error.ErrorCode;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.beans.BeanIntrospection;
import io.micronaut.core.beans.BeanProperty;
import io.micronaut.core.type.Argument;
import io.micronaut.http.MediaType;
import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;
import jakarta.inject.Singleton;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Path;
import jakarta.validation.Valid;
import jakarta.validation.Validator;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Request bodies as records (SPEC §6): a {@code @Serdeable} record per body, its rules as Bean Validation
 * constraints. A body's JSON names are its record's component names in snake_case. Before Micronaut Serde makes
 * the record, the body is held to what a decision can rest on: one JSON object (a form where the endpoint allows
 * one), no key twice, nested at most {@link JsonDepth#MAX} deep, no field the record lacks, each field of its
 * property's JSON kind ({@link FieldKinds}). Any mistake is a {@code 400 invalid_request} naming the field in
 * {@code param}, the first in the record's order (JSON that does not parse, or too deep: {@code invalid_json}).
 * Controllers take their body as a {@link StrictBody} parameter ({@link StrictBodyBinder} applies these rules); the
 * OAuth token endpoint, whose answers are RFC 6749's and whose {@code grant_type} is asked before the rest, reads
 * its form with {@link #formFields} and {@link #form}.
 */
@Singleton
public final class RequestBodies {

    /**
     * Duplicate keys refused: readers disagree on which one wins, and a decision must rest on one value. Nesting
     * past {@link JsonDepth#MAX} refused as it is read.
     */
    private static final JsonFactory JSON_FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(JsonDepth.MAX).build()).build();

    private final JsonMapper mapper;
    private final Validator validator;

    RequestBodies(JsonMapper mapper, Validator validator) {
        this.mapper = mapper;
        this.validator = validator;
    }

    /** A JSON body as {@code type}; an absent or empty body is an empty object. */
    <T> T json(@Nullable String body, Class<T> type) {
        return bind(parseJson(body), type, false);
    }

    /** A JSON or {@code application/x-www-form-urlencoded} body as {@code type}, as its content type says. */
    <T> T jsonOrForm(@Nullable MediaType contentType, @Nullable String body, Class<T> type) {
        if (contentType != null && contentType.matches(MediaType.APPLICATION_FORM_URLENCODED_TYPE)) {
            return form(formFields(body), type);
        }
        return json(body, type);
    }

    /**
     * The fields of an {@code application/x-www-form-urlencoded} body, decoded, in order, for an endpoint that must
     * read one of them before the record's rules apply ({@link #form(Map, Class)} then binds them).
     *
     * @throws BrokerException {@code invalid_request} for a field given twice or a body not correctly URL-encoded
     */
    public static Map<String, String> formFields(@Nullable String body) {
        Map<String, String> fields = new LinkedHashMap<>();
        if (body != null && !body.isEmpty()) {
            for (String pair : body.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String name = decode(eq < 0 ? pair : pair.substring(0, eq));
                String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
                if (fields.put(name, value) != null) {
                    throw BrokerException.invalid(FieldKinds.printable(name),
                            "Parameter '" + FieldKinds.printable(name) + "' is given more than once.");
                }
            }
        }
        return fields;
    }

    /** Form fields ({@link #formFields}) as {@code type}, under the same rules as any form body. */
    public <T> T form(Map<String, String> fields, Class<T> type) {
        Map<String, JsonNode> map = new LinkedHashMap<>();
        fields.forEach((name, value) -> map.put(name, JsonNode.createStringNode(value)));
        return bind(JsonNode.createObjectNode(map), type, true);
    }

    private <T> T bind(JsonNode object, Class<T> type, boolean form) {
        BeanIntrospection<T> introspection = BeanIntrospection.getIntrospection(type);
        JsonNode checked = FieldKinds.checked(object, introspection, "", form);
        T value;
        try {
            value = mapper.readValueFromTree(checked, Argument.of(type));
        } catch (IOException | RuntimeException e) {
            // Every field already has its property's kind: what is left is not the caller's to fix field by field.
            throw new BrokerException(ErrorCode.INVALID_REQUEST, "The request body cannot be read.");
        }
        Set<ConstraintViolation<T>> violations = validate(value, introspection);
        if (!violations.isEmpty()) {
            ConstraintViolation<T> first = violations.stream()
                    .min(Comparator.comparingInt((ConstraintViolation<T> v) -> order(introspection, v))
                            .thenComparing(v -> v.getPropertyPath().toString()))
                    .orElseThrow();
            throw BrokerException.invalid(param(first.getPropertyPath()), first.getMessage());
        }
        return value;
    }

    /**
     * The record's violations. Validating a record whole visits every property, about 6 µs a body here whatever it
     * holds (as much as the rest of a mint's own work), one property about 0.8 µs, and a mint body names one or two.
     * So the properties are validated one by one: those with a value, and those that must have one ({@code NotNull},
     * {@code NotEmpty}, {@code NotBlank}: every other built-in constraint holds for null, as Bean Validation says).
     * A record that cascades into another ({@code @Valid}) is validated whole, as property validation does not
     * cascade.
     */
    private <T> Set<ConstraintViolation<T>> validate(T value, BeanIntrospection<T> introspection) {
        BodyShape shape = SHAPES.get(introspection.getBeanType());
        if (shape.cascades()) {
            return validator.validate(value);
        }
        Set<ConstraintViolation<T>> violations = new HashSet<>();
        for (BeanProperty<T, Object> property : introspection.getBeanProperties()) {
            if (property.get(value) != null || shape.required().contains(property.getName())) {
                violations.addAll(validator.validateProperty(value, property.getName()));
            }
        }
        return violations;
    }

    /** Which properties of a body record must have a value, and whether it cascades into another record. */
    private record BodyShape(Set<String> required, boolean cascades) {
    }

    private static final ClassValue<BodyShape> SHAPES = new ClassValue<>() {
        @Override
        protected BodyShape computeValue(Class<?> type) {
            Set<String> required = new HashSet<>();
            boolean cascades = false;
            for (BeanProperty<?, Object> property : BeanIntrospection.getIntrospection(type).getBeanProperties()) {
                if (property.hasAnnotation(NotNull.class) || property.hasAnnotation(NotEmpty.class)
                        || property.hasAnnotation(NotBlank.class)) {
                    required.add(property.getName());
                }
                cascades |= property.hasAnnotation(Valid.class);
            }
            return new BodyShape(Set.copyOf(required), cascades);
        }
    };

    private JsonNode parseJson(@Nullable String body) {
        if (body == null || body.isBlank()) {
            return JsonNode.createObjectNode(Map.of());
        }
        JsonNode node;
        try (JsonParser parser = JSON_FACTORY.createParser(body)) {
            // Read here rather than by Micronaut's mapper, which keeps the last of duplicate keys, reads the first
            // value and ignores what follows, and makes every fraction a double (0.10000000000000000001 is 0.1).
            parser.nextToken();
            node = tree(parser);
            if (parser.nextToken() != null) {
                throw new IOException("trailing content");
            }
        } catch (IOException | RuntimeException e) {
            throw new BrokerException(ErrorCode.INVALID_JSON,
                    "The request body is not valid JSON; send a JSON object.");
        }
        if (node == null || !node.isObject()) {
            throw new BrokerException(ErrorCode.INVALID_JSON, "The request body must be a JSON object.");
        }
        return node;
    }

    /**
     * The value at the parser's current token, whole numbers as {@code int}, {@code long} or {@code BigInteger} and
     * fractions as the exact {@code BigDecimal} written (an amount of money is judged on what was sent).
     */
    private static JsonNode tree(JsonParser parser) throws IOException {
        JsonToken token = parser.currentToken();
        if (token == null) {
            throw new IOException("no value");
        }
        return switch (token) {
            case START_OBJECT -> {
                Map<String, JsonNode> fields = new LinkedHashMap<>();
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String name = parser.currentName();
                    parser.nextToken();
                    fields.put(name, tree(parser));
                }
                yield JsonNode.createObjectNode(fields);
            }
            case START_ARRAY -> {
                List<JsonNode> items = new ArrayList<>();
                while (parser.nextToken() != JsonToken.END_ARRAY) {
                    items.add(tree(parser));
                }
                yield JsonNode.createArrayNode(items);
            }
            case VALUE_STRING -> JsonNode.createStringNode(parser.getText());
            case VALUE_NUMBER_INT -> switch (parser.getNumberType()) {
                case INT -> JsonNode.createNumberNode(parser.getIntValue());
                case LONG -> JsonNode.createNumberNode(parser.getLongValue());
                default -> JsonNode.createNumberNode(parser.getBigIntegerValue());
            };
            case VALUE_NUMBER_FLOAT -> JsonNode.createNumberNode(parser.getDecimalValue());
            case VALUE_TRUE -> JsonNode.createBooleanNode(true);
            case VALUE_FALSE -> JsonNode.createBooleanNode(false);
            case VALUE_NULL -> JsonNode.nullNode();
            default -> throw new IOException("unexpected " + token);
        };
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new BrokerException(ErrorCode.INVALID_REQUEST, "The form body is not correctly URL-encoded.");
        }
    }

    private static <T> int order(BeanIntrospection<T> introspection, ConstraintViolation<T> violation) {
        String name = top(violation.getPropertyPath());
        int i = 0;
        for (BeanProperty<T, Object> property : introspection.getBeanProperties()) {
            if (property.getName().equals(name)) {
                return i;
            }
            i++;
        }
        return Integer.MAX_VALUE;
    }

    private static String top(Path path) {
        for (Path.Node node : path) {
            if (node.getName() != null) {
                return node.getName();
            }
        }
        return "";
    }

    /** The JSON name of the field a violation is about: nested records' names joined by dots, no indexes. */
    private static String param(Path path) {
        List<String> names = new ArrayList<>();
        for (Path.Node node : path) {
            if (node.getName() != null && !node.getName().startsWith("<")) {
                names.add(FieldKinds.snakeCase(node.getName()));
            }
        }
        return String.join(".", names);
    }
}
