package dev.ephemera.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.ephemera.error.BrokerException;
import dev.ephemera.error.ErrorCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** SPEC §7: the model a request names, as a binding checks it. */
class BindingTest {

    @Test
    void anAbsentModelMeansTheTokensOwnAndANamedOneIsKept() {
        assertThat(Binding.requestedModel(null)).isNull();
        assertThat(Binding.requestedModel("gpt-realtime")).isEqualTo("gpt-realtime");
        assertThat(Binding.requestedModel(" gpt ")).as("kept as sent, compared as sent").isEqualTo(" gpt ");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "\t", "\n  "})
    void anEmptyOrBlankModelIsRefusedNotTakenAsUnchecked(String model) {
        BrokerException refused = catchThrowableOfType(BrokerException.class, () -> Binding.requestedModel(model));
        assertThat(refused.errorCode()).isEqualTo(ErrorCode.MODEL_NOT_ALLOWED);
    }

    @Test
    void nothingPresentedMatchesOnlyATokenNotBoundByIt() {
        assertThat(Presented.NOTHING.admits(null)).isTrue();
        assertThat(Presented.NOTHING.admits("gpt-realtime")).isFalse();
        assertThat(Presented.NOTHING.admits("null")).as("no value of a bound token, not even the old sentinels")
                .isFalse();
        assertThat(Presented.NOTHING.admits(" ")).isFalse();
        assertThat(Presented.UNCHECKED.admits("gpt-realtime")).isTrue();
        assertThat(Presented.of("gpt").admits("gpt")).isTrue();
        assertThat(Presented.of("gpt").admits("gpt-4o")).isFalse();
        assertThat(Presented.of("gpt").admits(null)).isTrue();
        assertThat(Presented.of(null)).isSameAs(Presented.UNCHECKED);
        assertThat(new Binding(null, null, null, null, true).model()).as("null is not checked")
                .isSameAs(Presented.UNCHECKED);
    }

    @Test
    void aMismatchAndAModeAreReadStrictly() {
        for (Redemption.Mismatch m : Redemption.Mismatch.values()) {
            assertThat(Redemption.Mismatch.fromWire(m.wireName())).isSameAs(m);
        }
        assertThat(Redemption.Mismatch.values()).extracting(Redemption.Mismatch::wireName)
                .containsExactly("provider", "model", "origin", "endpoint", "usage");
        assertThatThrownBy(() -> Redemption.Mismatch.fromWire("scope")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Redemption.Mismatch.fromWire("MODEL")).isInstanceOf(IllegalArgumentException.class);
        assertThat(TokenMode.fromWire("upstream")).isSameAs(TokenMode.UPSTREAM);
        assertThatThrownBy(() -> TokenMode.fromWire("Relay")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Redemption(Redemption.Outcome.MISMATCH, null, null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aBindingIsMeasurableUnlessSaidOtherwise() {
        assertThat(Binding.NONE.measurable()).isTrue();
        assertThat(new Binding("openai", "m", null).measurable()).isTrue();
        assertThat(new Binding("openai", "m", null, java.util.List.of("POST /x")).measurable()).isTrue();
    }
}
