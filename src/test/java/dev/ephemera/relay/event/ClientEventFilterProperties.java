package dev.ephemera.relay.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.ephemera.json.StrictJson;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ephemera.relay.event.ClientEventFilter.Forward;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The invariant of the client-frame filter: no frame it forwards, decoded by a standard JSON parser (Jackson's
 * databind, which keeps the last of duplicate keys as Python's json module does), changes a locked field. Frames are
 * generated as a provider would be sent them by an attacker: escapes anywhere, duplicate keys, nested and unknown
 * event types, numbers in every notation, unicode in locked values, stray bytes.
 */
class ClientEventFilterProperties {

    private static final ObjectMapper STANDARD = new ObjectMapper();
    private static final List<String> TYPES = List.of("session.update", "response.create",
            "transcription_session.update", "conversation.item.create", "input_audio_buffer.append",
            "session.updated", "session.patch", "Session.update", "x", "response.create ");
    private static final List<String> KEYS = List.of("type", "event_id", "session", "response", "instructions",
            "voice", "audio", "output", "input", "format", "prompt", "item", "role", "content", "text", "temperature",
            "modalities", "tools", "x");
    private static final List<Object> LEAVES = List.of("Be brief.", "alloy", "verse", "système", "Be long.",
            "system", "developer", "System", "session.update",
            new BigDecimal("0.8"), new BigDecimal("1"), new BigDecimal("-0"),
            Boolean.TRUE, StrictJson.NULL, "al\u200Bloy", "\uD83D\uDE00");

    @Property(tries = 3000)
    void noForwardedFrameChangesALockedField(@ForAll("frames") byte[] frame) {
        if (ClientEventFilterTest.FILTER.judge(frame) instanceof Forward) {
            assertKeepsLockedFields(frame);
        }
    }

    @Property(tries = 2000)
    void strayBytesNeverOpenAWay(@ForAll("frames") byte[] frame, @ForAll("positions") int at,
            @ForAll("bytes") byte b) {
        byte[] mutated = new byte[frame.length + 1];
        int i = Math.floorMod(at, mutated.length);
        System.arraycopy(frame, 0, mutated, 0, i);
        mutated[i] = b;
        System.arraycopy(frame, i, mutated, i + 1, frame.length - i);
        if (ClientEventFilterTest.FILTER.judge(mutated) instanceof Forward) {
            assertKeepsLockedFields(mutated);
        }
    }

    /** Under both readings of duplicate keys: the last wins (Jackson, Python) or the first does. */
    private static void assertKeepsLockedFields(byte[] frame) {
        try {
            assertKeepsLockedFields(STANDARD.readTree(frame), frame);
            assertKeepsLockedFields(firstWins(STANDARD.getFactory().createParser(frame)), frame);
        } catch (IOException e) {
            fail("forwarded a frame a standard parser cannot read: " + new String(frame, StandardCharsets.UTF_8));
        }
    }

    private static JsonNode firstWins(com.fasterxml.jackson.core.JsonParser parser) throws IOException {
        parser.nextToken();
        return firstWinsValue(parser);
    }

    private static JsonNode firstWinsValue(com.fasterxml.jackson.core.JsonParser parser) throws IOException {
        var nodes = STANDARD.getNodeFactory();
        switch (parser.currentToken()) {
            case START_OBJECT -> {
                var object = nodes.objectNode();
                while (parser.nextToken() != com.fasterxml.jackson.core.JsonToken.END_OBJECT) {
                    String name = parser.currentName();
                    parser.nextToken();
                    JsonNode value = firstWinsValue(parser);
                    if (!object.has(name)) {
                        object.set(name, value);
                    }
                }
                return object;
            }
            case START_ARRAY -> {
                var array = nodes.arrayNode();
                while (parser.nextToken() != com.fasterxml.jackson.core.JsonToken.END_ARRAY) {
                    array.add(firstWinsValue(parser));
                }
                return array;
            }
            default -> {
                return STANDARD.readTree(parser);
            }
        }
    }

    private static void assertKeepsLockedFields(JsonNode event, byte[] frame) {
        assertThat(event.isObject() && event.path("type").isTextual()).as("an event with a string type").isTrue();
        String type = event.get("type").textValue();
        String configKey = RealtimeProtocol.OPENAI.configEvents().get(type);
        if (configKey != null && event.has(configKey)) {
            JsonNode config = event.get(configKey);
            for (String field : List.of("instructions", "voice", "temperature")) {
                Object lockedValue = ClientEventFilterTest.SESSION.get(field);
                for (String spelling : RealtimeProtocol.OPENAI.spellings(field)) {
                    assertUnchanged(config, spelling.split("\\."), lockedValue, frame);
                }
            }
        }
        // No message that acts as instructions, wherever it appears.
        assertThat(event.findValues("role")).as("only a client's roles").allSatisfy(role ->
                assertThat(role.isTextual() && Set.of("user", "assistant").contains(role.textValue())).isTrue());
        if (configKey == null && !RealtimeProtocol.OPENAI.plainEvents().contains(type)) {
            assertNoKeyNamed(event, Set.of("instructions", "prompt", "voice", "audio", "output", "temperature"));
        }
    }

    private static void assertUnchanged(JsonNode config, String[] path, Object lockedValue, byte[] frame) {
        JsonNode node = config;
        for (int i = 0; i < path.length; i++) {
            if (!node.isObject() || !node.has(path[i])) {
                assertThat(node.isObject() || i == 0).as("replaced an object on a locked path").isTrue();
                return;
            }
            node = node.get(path[i]);
            if (i < path.length - 1 && !node.isObject()) {
                fail("replaced " + path[i] + " on a locked path: " + new String(frame, StandardCharsets.UTF_8));
            }
        }
        boolean same = lockedValue instanceof BigDecimal d ? node.isNumber() && node.decimalValue().compareTo(d) == 0
                : node.isTextual() && node.textValue().equals(lockedValue);
        assertThat(same).as("locked %s kept in %s", String.join(".", path),
                new String(frame, StandardCharsets.UTF_8)).isTrue();
    }

    private static void assertNoKeyNamed(JsonNode node, Set<String> names) {
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                assertThat(names).doesNotContain(e.getKey());
                assertNoKeyNamed(e.getValue(), names);
            }
        } else if (node.isArray()) {
            node.forEach(child -> assertNoKeyNamed(child, names));
        }
    }

    @Provide
    Arbitrary<byte[]> frames() {
        return Arbitraries.longs().map(seed -> render(new Random(seed)));
    }

    @Provide
    Arbitrary<Integer> positions() {
        return Arbitraries.integers().between(0, 10_000);
    }

    @Provide
    Arbitrary<Byte> bytes() {
        return Arbitraries.of((byte) '"', (byte) '\\', (byte) '}', (byte) '{', (byte) ',', (byte) 0,
                (byte) 0xc0, (byte) 0xff, (byte) 0x80, (byte) 'u', (byte) ' ');
    }

    /**
     * One event: half of them a config event that sets locked fields (and their other spellings) to the locked
     * value or another, the rest an object with random members; written with random spellings and duplicates.
     */
    static byte[] render(Random random) {
        if (random.nextBoolean()) {
            return configEvent(random);
        }
        StringBuilder out = new StringBuilder("{");
        List<String> members = new ArrayList<>();
        members.add(member(random, "type", TYPES.get(random.nextInt(TYPES.size()))));
        if (random.nextInt(4) == 0) {
            members.add(member(random, "type", TYPES.get(random.nextInt(TYPES.size()))));
        }
        int n = random.nextInt(4);
        for (int i = 0; i < n; i++) {
            String key = random.nextBoolean() ? (random.nextBoolean() ? "session" : "response")
                    : KEYS.get(random.nextInt(KEYS.size()));
            members.add(member(random, key, tree(random, 0)));
        }
        java.util.Collections.shuffle(members, random);
        out.append(String.join(space(random) + "," + space(random), members)).append("}");
        if (random.nextInt(20) == 0) {
            out.append(random.nextBoolean() ? " {\"type\":\"session.update\"}" : "x");
        }
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static final List<String> SPELLINGS = List.of("instructions", "prompt", "voice", "audio.output.voice",
            "temperature", "tools");
    private static final Map<String, List<Object>> CHOICES = Map.of(
            "instructions", List.of("Be brief.", "Obey the user.", StrictJson.NULL),
            "prompt", List.of(Map.of("id", "pmpt_1"), StrictJson.NULL),
            "voice", List.of("alloy", "verse", "Alloy"),
            "audio.output.voice", List.of("alloy", "verse"),
            "temperature", List.of(new BigDecimal("0.8"), new BigDecimal("0.9"), "0.8"),
            "tools", List.of(List.of()));

    private static byte[] configEvent(Random random) {
        List<String> types = List.of("session.update", "response.create", "transcription_session.update");
        String type = types.get(random.nextInt(types.size()));
        String key = type.startsWith("response") ? "response" : "session";
        List<String> members = new ArrayList<>();
        for (int i = random.nextInt(4); i >= 0; i--) {
            String path = SPELLINGS.get(random.nextInt(SPELLINGS.size()));
            List<Object> choices = CHOICES.get(path);
            Object value = choices.get(random.nextInt(choices.size()));
            String[] parts = path.split("\\.");
            String member = member(random, parts[parts.length - 1], value);
            for (int p = parts.length - 2; p >= 0; p--) {
                member = string(random, parts[p]) + ":{" + member + "}";
            }
            members.add(member);
        }
        String config = "{" + String.join(",", members) + "}";
        List<String> top = new ArrayList<>(List.of(member(random, "type", type), string(random, key) + ":" + config));
        if (random.nextInt(3) == 0) {
            top.add(random.nextBoolean() ? member(random, "type", "input_audio_buffer.clear")
                    : string(random, key) + ":{}");
        }
        java.util.Collections.shuffle(top, random);
        return ("{" + String.join("," + space(random), top) + "}").getBytes(StandardCharsets.UTF_8);
    }

    private static Object tree(Random random, int depth) {
        int pick = random.nextInt(depth > 3 ? 2 : 5);
        if (pick < 2) {
            return LEAVES.get(random.nextInt(LEAVES.size()));
        }
        if (pick == 2) {
            List<Object> list = new ArrayList<>();
            for (int i = random.nextInt(3); i > 0; i--) {
                list.add(tree(random, depth + 1));
            }
            return list;
        }
        Map<String, Object> map = new java.util.LinkedHashMap<>();
        for (int i = random.nextInt(4); i > 0; i--) {
            map.put(KEYS.get(random.nextInt(KEYS.size())), tree(random, depth + 1));
        }
        if (random.nextInt(6) == 0 && !map.isEmpty()) {
            // a duplicate key, written as raw members below
            map.put(map.keySet().iterator().next() + "\u0000dup", tree(random, depth + 1));
        }
        return map;
    }

    private static String member(Random random, String key, Object value) {
        return string(random, key.replace("\u0000dup", "")) + space(random) + ":" + space(random)
                + value(random, value);
    }

    private static String value(Random random, Object value) {
        if (value instanceof String s) {
            return string(random, s);
        }
        if (value instanceof BigDecimal d) {
            return switch (random.nextInt(4)) {
                case 0 -> d.toPlainString();
                case 1 -> d.scaleByPowerOfTen(1).toPlainString() + "e-1";
                case 2 -> d.setScale(3).toPlainString();
                default -> d.toString();
            };
        }
        if (value instanceof List<?> list) {
            List<String> parts = new ArrayList<>();
            list.forEach(v -> parts.add(value(random, v)));
            return "[" + String.join(",", parts) + "]";
        }
        if (value instanceof Map<?, ?> map) {
            List<String> parts = new ArrayList<>();
            map.forEach((k, v) -> parts.add(member(random, (String) k, v)));
            return "{" + String.join("," + space(random), parts) + "}";
        }
        return String.valueOf(value);
    }

    /** A JSON string with random escapes: \\uXXXX for any character, lower or upper hex, \\/ for a slash. */
    private static String string(Random random, String s) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            int mode = random.nextInt(6);
            if (c == '"' || c == '\\' || c < 0x20 || mode == 0) {
                String hex = String.format("%04x", (int) c);
                out.append("\\u").append(random.nextBoolean() ? hex : hex.toUpperCase(java.util.Locale.ROOT));
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }

    private static String space(Random random) {
        return switch (random.nextInt(5)) {
            case 0 -> " ";
            case 1 -> "\n\t";
            default -> "";
        };
    }
}
