package dev.ephemera.relay.event;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A watched call's locks, judged on the session the provider reports. */
class CallLocksTest {

    private static Map<?, ?> json(String text) {
        return (Map<?, ?>) StrictJson.parse(text.getBytes(StandardCharsets.UTF_8)).orElseThrow();
    }

    private static CallLocks locks(String session, String... locked) {
        return new CallLocks(RealtimeProtocol.OPENAI, session == null ? null : json(session), List.of(locked));
    }

    @Test
    void aLockedValueMayBeReportedUnderAnySpellingButNotChanged() {
        CallLocks locks = locks("{\"voice\":\"alloy\",\"instructions\":\"Be brief.\"}", "voice", "instructions");
        assertThat(locks.changed(json("{\"audio\":{\"output\":{\"voice\":\"alloy\"}},\"instructions\":"
                + "\"Be brief.\",\"speed\":1.5}"))).isEmpty();
        assertThat(locks.changed(json("{\"audio\":{\"output\":{\"voice\":\"verse\"}}}"))).contains("voice");
        assertThat(locks.changed(json("{\"prompt\":{\"id\":\"pmpt_1\"}}"))).contains("instructions");
        assertThat(locks.changed(json("{\"instructions\":null}"))).contains("instructions");
        assertThat(locks.changed(json("{\"instructions\":\"Be brief. \"}"))).contains("instructions");
        assertThat(locks.changed(json("{}"))).as("a report that does not name it").isEmpty();
    }

    @Test
    void valuesAreComparedDecoded() {
        CallLocks locks = locks("{\"temperature\":1,\"tools\":[{\"a\":1}]}", "temperature", "tools");
        assertThat(locks.changed(json("{\"temperature\":1.0,\"tools\":[{\"a\":1.00}]}"))).isEmpty();
        assertThat(locks.changed(json("{\"instructions\":\"\\u0042e\"}"))).isEmpty();
        assertThat(locks.changed(json("{\"tools\":[{\"a\":1},{\"b\":2}]}"))).contains("tools");
    }

    @Test
    void aLockWithoutAValueKeepsTheFirstOneReported() {
        CallLocks locks = locks(null, "voice");
        assertThat(locks.changed(json("{\"voice\":\"marin\"}"))).isEmpty();
        assertThat(locks.changed(json("{\"voice\":\"marin\"}"))).isEmpty();
        assertThat(locks.changed(json("{\"audio\":{\"output\":{\"voice\":\"cedar\"}}}"))).contains("voice");
    }

    @Test
    void theBrokersOutputLimitMayNotBeRaisedAndALoweredOneHoldsOnceReported() {
        CallLocks locks = locks(null);
        assertThat(locks.any()).isFalse();
        assertThat(locks.changed(json("{\"max_output_tokens\":\"inf\"}"))).as("no limit set yet").isEmpty();
        locks.outputLimit(1000);
        assertThat(locks.any()).isTrue();
        assertThat(locks.changed(json("{\"max_output_tokens\":1000}"))).isEmpty();
        assertThat(locks.changed(json("{\"max_output_tokens\":1001}"))).contains("max_output_tokens");
        assertThat(locks.changed(json("{\"max_response_output_tokens\":\"inf\"}"))).contains("max_output_tokens");
        locks.outputLimit(200);
        assertThat(locks.changed(json("{\"max_output_tokens\":1000}"))).as("the report before ours").isEmpty();
        assertThat(locks.changed(json("{\"max_output_tokens\":200}"))).isEmpty();
        assertThat(locks.changed(json("{\"max_output_tokens\":201}"))).isEqualTo(Optional.of("max_output_tokens"));
    }
}
