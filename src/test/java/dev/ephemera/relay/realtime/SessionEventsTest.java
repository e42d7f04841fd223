package dev.ephemera.relay.realtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.token.RedeemedToken;
import dev.ephemera.token.SessionConfig;
import dev.ephemera.token.TokenFormat;
import dev.ephemera.token.TokenMode;
import dev.ephemera.token.UsageLimits;
import io.micronaut.json.JsonMapper;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A realtime session's first message to the provider: the token's session config as it was read once, with the
 * session's output limit lowered to what the token's budget leaves (SPEC §11), never raised.
 */
class SessionEventsTest {

    private static String first(String storedSession, Long budget) {
        RedeemedToken token = new RedeemedToken("tok_1", "key_1", null, "openai", null, null, TokenFormat.OPAQUE,
                TokenMode.RELAY, 1, 0, Instant.EPOCH, Instant.EPOCH.plusSeconds(60),
                storedSession == null ? null : SessionConfig.parse(storedSession), List.of(), null, UsageLimits.NONE,
                null);
        byte[] update = new SessionEvents(token, JsonMapper.createDefault()).opening(budget);
        return update == null ? null : new String(update, StandardCharsets.UTF_8);
    }

    @Test
    void theTokensSessionConfigGoesFirstWithItsLimitLoweredToWhatIsLeft() {
        String high = "{\"instructions\":\"Be brief.\",\"max_response_output_tokens\":4096}";
        assertThat(first(high, null)).isEqualTo("{\"type\":\"session.update\",\"session\":{\"instructions\":"
                + "\"Be brief.\",\"max_response_output_tokens\":4096}}");
        assertThat(first(high, 100L)).isEqualTo("{\"type\":\"session.update\",\"session\":{\"instructions\":"
                + "\"Be brief.\",\"max_response_output_tokens\":100}}");
        assertThat(first(high, 0L)).contains("\"max_response_output_tokens\":1}");
        assertThat(first("{}", 7L)).isEqualTo("{\"type\":\"session.update\",\"session\":"
                + "{\"max_response_output_tokens\":7}}");
        assertThat(first("{\"max_response_output_tokens\":5}", 7L)).as("never raised")
                .isEqualTo("{\"type\":\"session.update\",\"session\":{\"max_response_output_tokens\":5}}");
        assertThat(first("{\"max_response_output_tokens\":\"inf\"}", 7L)).as("inf is above any budget")
                .contains("\"max_response_output_tokens\":7}");
    }

    @Test
    void withoutAConfigOnlyABudgetWithinWhatTheProviderTakesSendsAnything() {
        assertThat(first(null, null)).isNull();
        assertThat(first(null, 250L)).isEqualTo("{\"type\":\"session.update\",\"session\":"
                + "{\"max_response_output_tokens\":250}}");
        assertThat(first(null, 100_000L)).as("above the provider's maximum: no limit to send").isNull();
    }
}
