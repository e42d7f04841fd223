package dev.ephemera.relay.event;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.json.StrictJson;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** SPEC §11: the realtime output cap, on the event as the strict parser read it, at its boundaries. */
class OutputBudgetTest {

    @SuppressWarnings("unchecked")
    private static Map<String, Object> parsed(String event) {
        return (Map<String, Object>) StrictJson.parse(event.getBytes(StandardCharsets.UTF_8)).orElseThrow();
    }

    private static String text(byte[] json) {
        return new String(json, StandardCharsets.UTF_8);
    }

    @Test
    void aLimitEqualToTheCapStaysAndOneAboveIsLowered() {
        Map<String, Object> equal = new LinkedHashMap<>(Map.of("max_output_tokens", new BigDecimal("30")));
        assertThat(OutputBudget.lowered(equal, "max_output_tokens", 30, true)).isFalse();
        assertThat(equal.get("max_output_tokens")).isEqualTo(new BigDecimal("30"));
        Map<String, Object> above = new LinkedHashMap<>(Map.of("max_output_tokens", new BigDecimal("31")));
        assertThat(OutputBudget.lowered(above, "max_output_tokens", 30, true)).isTrue();
        assertThat(above.get("max_output_tokens")).isEqualTo(BigDecimal.valueOf(30));
        Map<String, Object> absent = new LinkedHashMap<>();
        assertThat(OutputBudget.lowered(absent, "max_output_tokens", 30, false)).isFalse();
        assertThat(absent).isEmpty();
        Map<String, Object> event = parsed("{\"type\":\"response.create\",\"response\":{\"max_output_tokens\":30}}");
        assertThat(OutputBudget.capped(event, "response.create", 30)).isSameAs(event);
    }

    @Test
    void aSessionUpdateWithoutASessionObjectPassesAsItCame() {
        Map<String, Object> noSession = parsed("{\"type\":\"session.update\",\"session\":\"x\"}");
        assertThat(OutputBudget.capped(noSession, "session.update", 5)).isSameAs(noSession);
        Map<String, Object> unlimited = parsed("{\"type\":\"session.update\",\"session\":{\"voice\":\"alloy\"}}");
        assertThat(OutputBudget.capped(unlimited, "session.update", 5)).as("a session update adds no limit")
                .isSameAs(unlimited);
        Map<String, Object> both = parsed("{\"type\":\"session.update\",\"session\":"
                + "{\"max_response_output_tokens\":3,\"max_output_tokens\":\"inf\"}}");
        assertThat(OutputBudget.capped(both, "session.update", 5).get("session"))
                .isEqualTo(Map.of("max_response_output_tokens", new BigDecimal("3"),
                        "max_output_tokens", BigDecimal.valueOf(5)));
    }

    @Test
    void theResponseLimitAskedForIsReadOnlyWhenItIsANumber() {
        assertThat(OutputBudget.responseLimit(parsed("{\"response\":{\"max_output_tokens\":300}}")))
                .hasValue(300);
        assertThat(OutputBudget.responseLimit(parsed("{\"response\":{\"max_output_tokens\":\"inf\"}}"))).isEmpty();
        assertThat(OutputBudget.responseLimit(parsed("{\"response\":{}}"))).isEmpty();
        assertThat(OutputBudget.responseLimit(parsed("{\"response\":[1]}"))).isEmpty();
        assertThat(OutputBudget.responseLimit(parsed("{}"))).isEmpty();
    }

    @Test
    void theFirstMessageSetsTheSessionsLimitToWhatIsLeftAtLeastOne() {
        // Compared as JSON values: the message is written from an unordered map.
        assertThat(parsed(text(OutputBudget.sessionLimit(250)))).isEqualTo(Map.of("type", "session.update",
                "session", Map.of("max_response_output_tokens", BigDecimal.valueOf(250))));
        assertThat(parsed(text(OutputBudget.sessionLimit(0))).get("session"))
                .isEqualTo(Map.of("max_response_output_tokens", BigDecimal.ONE));
    }
}
