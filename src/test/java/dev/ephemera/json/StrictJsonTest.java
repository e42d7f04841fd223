package dev.ephemera.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The strict parser on its own: which texts are one strict JSON value, what {@link StrictJson#same} calls the same
 * value (the locked-field check compares with it), and that {@link StrictJson#write} gives back what was read.
 */
class StrictJsonTest {

    private static Optional<Object> parse(String text) {
        return StrictJson.parse(text.getBytes(StandardCharsets.UTF_8));
    }

    private static Object value(String text) {
        return parse(text).orElseThrow(() -> new AssertionError("refused: " + text));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        // a high surrogate followed by something other than a low one, in a value and in a key
        "\"\\ud800a\"", "\"\\ud83d\\u0041\"", "\"\\ud800\\ud800\"", "{\"\\ud800x\":1}",
        // a high surrogate at the end, a low one alone or before its high one
        "\"a\\ud800\"", "\"\\udc00\"", "\"x\\udc00y\"", "\"\\ude00\\ud83d\"", "[\"ok\",\"\\udfff\"]",
    })
    void refusesEveryUnpairedSurrogate(String text) {
        assertThat(parse(text)).as(text).isEmpty();
    }

    @Test
    void acceptsSurrogatePairsWhereverTheyAre() {
        assertThat(value("\"\\ud83d\\ude00\"")).isEqualTo("\uD83D\uDE00");
        assertThat(value("\"a\\ud83d\\ude00b\\ud83d\\ude01\"")).isEqualTo("a\uD83D\uDE00b\uD83D\uDE01");
        assertThat(value("{\"\\ud83d\\ude00\":true}")).isEqualTo(Map.of("\uD83D\uDE00", Boolean.TRUE));
        assertThat(value("\"\uD83D\uDE00\"")).as("written as UTF-8, not as escapes").isEqualTo("\uD83D\uDE00");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "1 2", "{} x", "[1]]", "{\"a\":1,\"a\":2}", "\uFEFF{}", "nul", "[1,]", "NaN"})
    void refusesWhatIsNotExactlyOneStrictValue(String text) {
        assertThat(parse(text)).as(text).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        // overlong forms of '/' and of U+0000, an encoded surrogate, past U+10FFFF, a lone continuation byte,
        // a truncated sequence (at the end and before an ASCII byte), bytes that never occur in UTF-8
        "22c0af22", "22c08022", "22e08080af22", "22eda08022", "22f490808022", "228022", "22e282", "22e2822022",
        "22fe22", "22ff22",
        // a zero byte, which Jackson would read as UTF-16 ("1" in UTF-16LE) or which ends the text early
        "3100", "7b7d00", "5b31002c325d", "2200220000000000000000",
        // a byte-order mark first, in UTF-8 and in UTF-16
        "efbbbf7b7d", "fffe7b00", "feff007b",
    })
    void refusesBytesThatAreNotStrictUtf8(String hex) {
        assertThat(StrictJson.parse(java.util.HexFormat.of().parseHex(hex))).as(hex).isEmpty();
    }

    @Test
    void readsUtf8InPlaceAtEveryLengthAndPosition() {
        // Every multi-byte length at every offset in and around the eight-byte ASCII steps.
        for (String character : List.of("\u00e9", "\u20ac", "\ud83d\ude00", "\uFEFF")) {
            for (int before = 0; before < 18; before++) {
                String string = "A".repeat(before) + character + "B".repeat(17 - before);
                assertThat(value("\"" + string + "\"")).as(string).isEqualTo(string);
            }
        }
        assertThat(value("[\"\u00e9\u20ac\ud83d\ude00\"]")).isEqualTo(List.of("\u00e9\u20ac\ud83d\ude00"));
        assertThat(StrictJson.parse("{\"a\":\"\\u0000\"}".getBytes(StandardCharsets.UTF_8)))
                .as("an escaped U+0000 is a character like any other").isPresent();
    }

    @Test
    void leavesOnlyLongPlainStringValuesUnread() {
        String longText = "x".repeat(StrictJson.UNREAD_FROM);
        Map<?, ?> read = (Map<?, ?>) StrictJson.parseLeavingLongText(("{\"a\":\"" + longText + "\",\"b\":\""
                + longText.substring(1) + "\",\"c\":\"" + longText + "\\n\",\"" + longText + "\":[\"" + longText
                + "\"]}").getBytes(StandardCharsets.UTF_8)).orElseThrow();
        assertThat(read.get("a")).isSameAs(StrictJson.UNREAD_TEXT);
        assertThat(read.get("b")).as("one byte short").isEqualTo(longText.substring(1));
        assertThat(read.get("c")).as("escaped: read").isEqualTo(longText + "\n");
        assertThat(read.get(longText)).as("a key is always read").isEqualTo(List.of(StrictJson.UNREAD_TEXT));
        assertThat(StrictJson.same(StrictJson.UNREAD_TEXT, StrictJson.UNREAD_TEXT)).isFalse();
        assertThatThrownBy(() -> StrictJson.write(read)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"\n", "\t", "\u007f\"", "\\ud800", "\\q", "\",\"a\":1,\"a\":\"", "\"}"})
    void refusesALongStringExactlyAsWhenReadingIt(String spoiler) {
        byte[] text = ("{\"a\":\"" + "x".repeat(300) + spoiler + "\"}").getBytes(StandardCharsets.UTF_8);
        assertThat(StrictJson.parseLeavingLongText(text).isPresent()).as(spoiler)
                .isEqualTo(StrictJson.parse(text).isPresent());
    }

    @Test
    void readsEachKindOfValue() {
        assertThat(value("{\"s\":\"x\",\"i\":1,\"f\":1.5,\"t\":true,\"n\":null,\"a\":[false]}")).isEqualTo(
                Map.of("s", "x", "i", BigDecimal.ONE, "f", new BigDecimal("1.5"), "t", Boolean.TRUE,
                        "n", StrictJson.NULL, "a", List.of(Boolean.FALSE)));
        assertThat(value("null")).isSameAs(StrictJson.NULL);
        assertThat(StrictJson.NULL).hasToString("null");
        assertThat(value("{\"b\":1,\"a\":2}")).asInstanceOf(
                org.assertj.core.api.InstanceOfAssertFactories.MAP).containsExactly(
                        Map.entry("b", BigDecimal.ONE), Map.entry("a", BigDecimal.TWO));
    }

    @Test
    void nestingUpToTheLimitIsReadAndOneDeeperIsRefused() {
        int depth = StrictJson.MAX_DEPTH;
        assertThat(parse("[".repeat(depth) + "]".repeat(depth))).isPresent();
        assertThat(parse("[".repeat(depth + 1) + "]".repeat(depth + 1))).isEmpty();
    }

    @Test
    void writesWhatItReadsAndPlainJavaNumbersAndNulls() {
        String text = "{\"s\":\"\\u00e9\\\"\",\"i\":12,\"f\":0.5,\"t\":true,\"u\":false,\"n\":null,\"a\":[1,[],{}]}";
        Object read = value(text);
        assertThat(StrictJson.same(value(new String(StrictJson.write(read), StandardCharsets.UTF_8)), read)).isTrue();
        Map<String, Object> plain = new LinkedHashMap<>();
        plain.put("n", 7);
        plain.put("z", null);
        assertThat(new String(StrictJson.write(plain), StandardCharsets.UTF_8)).isEqualTo("{\"n\":7,\"z\":null}");
        assertThatThrownBy(() -> StrictJson.write(Map.of("x", new Object())))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void numbersAreTheSameByValue() {
        assertThat(StrictJson.same(value("1.0"), value("1"))).isTrue();
        assertThat(StrictJson.same(value("8E-1"), value("0.80"))).isTrue();
        assertThat(StrictJson.same(value("1"), value("2"))).isFalse();
        assertThat(StrictJson.same(value("1"), value("\"1\""))).isFalse();
        assertThat(StrictJson.same(value("\"a\""), value("\"a\""))).isTrue();
        assertThat(StrictJson.same(value("\"a\""), value("\"A\""))).isFalse();
        assertThat(StrictJson.same(value("null"), value("null"))).isTrue();
        assertThat(StrictJson.same(value("true"), value("false"))).isFalse();
    }

    @Test
    void objectsAreTheSameWhenEveryMemberIsWhateverTheOrder() {
        Object locked = value("{\"type\":\"server_vad\",\"threshold\":0.5,\"nested\":{\"ms\":200}}");
        assertThat(StrictJson.same(value("{\"nested\":{\"ms\":200.0},\"threshold\":0.50,\"type\":\"server_vad\"}"),
                locked)).isTrue();
        assertThat(StrictJson.same(value("{\"type\":\"server_vad\",\"threshold\":0.6,\"nested\":{\"ms\":200}}"),
                locked)).as("a member's value differs").isFalse();
        assertThat(StrictJson.same(value("{\"type\":\"server_vad\",\"threshold\":0.5,\"nested\":{\"ms\":201}}"),
                locked)).as("a nested member differs").isFalse();
        assertThat(StrictJson.same(value("{\"type\":\"server_vad\",\"threshold\":0.5}"), locked))
                .as("a member missing").isFalse();
        assertThat(StrictJson.same(value("{\"type\":\"server_vad\",\"threshold\":0.5,\"nested\":{\"ms\":200},"
                + "\"silence\":1}"), locked)).as("a member added").isFalse();
        assertThat(StrictJson.same(value("{\"type\":\"server_vad\",\"threshold\":0.5,\"other\":{\"ms\":200}}"),
                locked)).as("as many members, one named differently").isFalse();
        assertThat(StrictJson.same(value("{\"a\":null}"), value("{\"b\":null}"))).isFalse();
        assertThat(StrictJson.same(value("{}"), value("{}"))).isTrue();
        assertThat(StrictJson.same(value("{}"), value("[]"))).isFalse();
        assertThat(StrictJson.same(value("[]"), value("{}"))).isFalse();
    }

    @Test
    void arraysAreTheSameElementByElementInOrder() {
        Object locked = value("[\"text\",{\"n\":1},[2]]");
        assertThat(StrictJson.same(value("[\"text\",{\"n\":1.0},[2.00]]"), locked)).isTrue();
        assertThat(StrictJson.same(value("[{\"n\":1},\"text\",[2]]"), locked)).as("order").isFalse();
        assertThat(StrictJson.same(value("[\"text\",{\"n\":1}]"), locked)).as("shorter").isFalse();
        assertThat(StrictJson.same(value("[\"text\",{\"n\":1},[2],null]"), locked)).as("longer").isFalse();
        assertThat(StrictJson.same(value("[\"text\",{\"n\":1},[3]]"), locked)).as("last differs").isFalse();
        assertThat(StrictJson.same(value("[\"other\",{\"n\":1},[2]]"), locked)).as("first differs").isFalse();
        List<Object> empty = new ArrayList<>();
        assertThat(StrictJson.same(value("[]"), empty)).isTrue();
        assertThat(StrictJson.same(value("[]"), value("\"[]\""))).isFalse();
    }
}
