package dev.ephemera.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.pricing.Price;
import dev.ephemera.session.MoneyTurn;
import dev.ephemera.session.TokenFacts;
import dev.ephemera.token.UsageLimits;
import java.time.Instant;
import java.time.LocalDate;
import org.junit.jupiter.api.Test;

/** A session's money between its turns with the store (SPEC §11): what it may promise, and what it asks for. */
class MoneyPurseTest {

    private static final LocalDate DAY = LocalDate.of(2026, 12, 7);
    /** $4 / $32 per million in (text, audio), $16 / $64 out. */
    private static final Price PRICE = Price.builder("test").inputText(4_000_000L).inputAudio(32_000_000L)
            .outputText(16_000_000L).outputAudio(64_000_000L).build();
    private static final TokenFacts OWNER = new TokenFacts("tok_1", "key_1", "openai", "gpt-realtime", null, null,
            "opaque", 1, 0, Instant.EPOCH, Instant.EPOCH);
    private static final UsageLimits LIMITS = UsageLimits.NONE.withMaxCost(1_000_000L);

    @Test
    void aResponseIsCappedAtWhatIsLeftOnceItsInputIsPaidAtTheDearestPrices() {
        MoneyPurse purse = new MoneyPurse(OWNER, PRICE, LIMITS, "gpt-realtime", 10_000, DAY);
        // Nothing carried yet: all 10,000 µ$ pays for output at $64 per million: 156 tokens.
        assertThat(purse.cap()).isEqualTo(156);
        purse.added(100, true);
        // 100 input tokens at $32 per million: 3,200 µ$ first; 6,800 left pay for 106 tokens.
        assertThat(purse.cap()).isEqualTo(106);
        long promise = purse.promise(100);
        assertThat(promise).isEqualTo(3_200 + 6_400);
        assertThat(purse.cap()).as("a second response while the first is outstanding").isZero();
        assertThat(purse.isShort()).isTrue();
        purse.release(promise);
        assertThat(purse.cap()).isEqualTo(106);
    }

    @Test
    void aSpentResponseRenewsTheGrantOneTurnAtATime() {
        MoneyPurse purse = new MoneyPurse(OWNER, PRICE, LIMITS, "gpt-realtime", 50_000, DAY);
        purse.spent(8_000, 0, 500);
        MoneyTurn turn = purse.turn();
        assertThat(turn.release()).as("all it held goes back").isEqualTo(50_000);
        assertThat(turn.atMost()).as("never less than it still holds").isGreaterThanOrEqualTo(42_000)
                .isEqualTo(MoneyPurse.target(PRICE, MoneyPurse.input(PRICE, 500)));
        assertThat(purse.turn()).as("one turn at a time").isNull();
        purse.spent(1_000, 0, 0);
        assertThat(purse.granted(20_000, DAY.plusDays(1))).isFalse();
        // What was spent while the turn was on its way is spent from the new grant.
        assertThat(purse.cap()).isEqualTo(PRICE.tokensFor(20_000 - 1_000 - MoneyPurse.input(PRICE, 500)));
        MoneyTurn last = purse.closing();
        assertThat(last.release()).isEqualTo(20_000);
        assertThat(last.releaseDay()).isEqualTo(DAY.plusDays(1));
        assertThat(last.atMost()).isZero();
    }

    @Test
    void theInputCarriedIsPricedAsTextAndAudioApart() {
        MoneyPurse purse = new MoneyPurse(OWNER, PRICE, LIMITS, "gpt-realtime", 10_000, DAY);
        purse.spent(0, 1_000, 0);
        // 1,000 text tokens at $4 per million: 4,000 µ$ to carry; 6,000 left pay for 93 tokens at $64.
        assertThat(purse.cap()).isEqualTo(93);
        purse.spent(0, 0, 1_000);
        assertThat(purse.cap()).as("the same as audio, at $32 per million, cannot be carried").isZero();
    }

    @Test
    void aPurseThatCannotPayForTheInputOfTheNextResponseIsShort() {
        MoneyPurse purse = new MoneyPurse(OWNER, PRICE, LIMITS, "gpt-realtime", 100, DAY);
        assertThat(purse.isShort()).isFalse();
        purse.added(ClientAdditions.tokens("input_audio_buffer.append", 96_000 * 4 / 3), true);
        assertThat(purse.isShort()).isTrue();
        assertThat(purse.cap()).isZero();
        assertThat(ClientAdditions.tokens("input_audio_buffer.append", 96_000 * 4 / 3))
                .as("two seconds of PCM16 at one token per 500 decoded bytes, and one for the rounding").isEqualTo(193);
        assertThat(ClientAdditions.tokens("conversation.item.create", 300)).isEqualTo(300);
        assertThat(ClientAdditions.tokens("response.cancel", 300)).isZero();
    }
}
