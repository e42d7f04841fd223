package dev.ephemera.token;

import static org.assertj.core.api.Assertions.assertThat;
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
    void noModelIsNoModelName() {
        assertThat(Binding.NO_MODEL).isBlank();
        assertThat(Binding.NONE.measurable()).isTrue();
        assertThat(new Binding("openai", "m", null).measurable()).isTrue();
        assertThat(new Binding("openai", "m", null, java.util.List.of("POST /x")).measurable()).isTrue();
    }
}
