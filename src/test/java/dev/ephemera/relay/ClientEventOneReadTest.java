package dev.ephemera.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.relay.event.ClientEventFilter;
import dev.ephemera.relay.event.RealtimeProtocol;
import dev.ephemera.json.StrictJson;
import dev.ephemera.token.UsageLimits;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One read of each client event serves the filter and the budget (issue 29 item 1): the {@link SessionMeter} caps
 * the event the {@link ClientEventFilter} read, never a second reading of the text, so an escape or a repeated key
 * cannot show the two a different type or field.
 */
class ClientEventOneReadTest {

    private final List<byte[]> toProvider = new ArrayList<>();
    private final SessionMeter meter = new SessionMeter(new UsageLimits(1000L, null, null), RealtimeProtocol.OPENAI,
            1 << 20, Runnable::run,
            new SessionEnding() {
                @Override
                public void limitReached(String message) {
                }

                @Override
                public void requested(String reason) {
                }

                @Override
                public void unregistered() {
                }

                @Override
                public void toProvider(byte[] event) {
                    toProvider.add(event);
                }
            });
    private final ClientEventFilter filter = new ClientEventFilter(RealtimeProtocol.OPENAI, null, List.of());

    private Outcome send(String event) {
        byte[] bytes = event.getBytes(StandardCharsets.UTF_8);
        ClientEventFilter.Verdict verdict = filter.judge(bytes);
        return verdict instanceof ClientEventFilter.Forward forward ? meter.toProvider(forward, bytes)
                : new Outcome.Refused((ClientEventFilter.Refuse) verdict);
    }

    private static Map<?, ?> sent(Outcome outcome) {
        assertThat(outcome).isInstanceOf(Outcome.Send.class);
        return (Map<?, ?>) StrictJson.parse(((Outcome.Send) outcome).frame()).orElseThrow();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"type\":\"response\\u002ecreate\",\"response\":{\"max_output_tokens\":\"inf\"}}",
        "{\"type\":\"\\u0072esponse.create\",\"response\":{\"max_\\u006futput_tokens\":100000}}",
        "{\"type\":\"response.create\",\"response\":{\"max_output_tokens\":100000}}",
    })
    void anEscapedTypeOrFieldIsCappedAsTheFilterReadIt(String event) {
        Map<?, ?> sent = sent(send(event));
        assertThat(sent.get("type")).isEqualTo("response.create");
        assertThat(((Map<?, ?>) sent.get("response")).get("max_output_tokens")).isEqualTo(BigDecimal.valueOf(1000));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        // a repeated type: one reader might take the first, another the last
        "{\"type\":\"input_audio_buffer.append\",\"type\":\"response.create\"}",
        "{\"type\":\"response.create\",\"typ\\u0065\":\"input_audio_buffer.append\"}",
        // a repeated output limit inside the response
        "{\"type\":\"response.create\",\"response\":{\"max_output_tokens\":1,\"max_output_tokens\":\"inf\"}}",
        "{\"type\":\"response.create\",\"response\":{\"max_output_tokens\":1,\"max_output_token\\u0073\":9999}}",
    })
    void aRepeatedKeyIsRefusedBeforeAnyBudget(String event) {
        assertThat(send(event)).isInstanceOf(Outcome.Refused.class);
        assertThat(((Outcome.Refused) send(event)).refusal().code()).isEqualTo("invalid_event");
    }

    @Test
    void anAudioAppendGoesAsItCameWithItsAudioCheckedNotCopied() {
        String audio = "A".repeat(4000);
        String append = "{\"type\":\"input_audio_buffer.append\",\"event_id\":\"e1\",\"audio\":\"" + audio + "\"}";
        ClientEventFilter.Forward forward = (ClientEventFilter.Forward) filter.judge(
                append.getBytes(StandardCharsets.UTF_8));
        assertThat(forward.event().get("audio")).isSameAs(StrictJson.UNREAD_TEXT);
        assertThat(forward.eventId()).isEqualTo("e1");
        assertThat(((Outcome.Send) send(append)).frame()).isEqualTo(append.getBytes(StandardCharsets.UTF_8));
        // Strict all the same: a control character, an unpaired surrogate or a bad byte in the audio refuses it.
        for (String bad : List.of(audio + "\n", audio + "\\ud800", audio + "\\x")) {
            assertThat(send(append.replace(audio, bad))).as(bad.substring(4000)).isInstanceOf(Outcome.Refused.class);
        }
        byte[] overlong = append.getBytes(StandardCharsets.UTF_8);
        overlong[100] = (byte) 0xC0;
        overlong[101] = (byte) 0x81;
        assertThat(filter.judge(overlong)).isInstanceOf(ClientEventFilter.Refuse.class);
    }

    @Test
    void aResponseCreateIsReadWholeHoweverLongItsStrings() {
        String instructions = "Be brief. ".repeat(100);
        Map<?, ?> sent = sent(send("{\"type\":\"response.create\",\"response\":{\"instructions\":\"" + instructions
                + "\"}}"));
        assertThat(((Map<?, ?>) sent.get("response")).get("instructions")).isEqualTo(instructions);
    }
}
