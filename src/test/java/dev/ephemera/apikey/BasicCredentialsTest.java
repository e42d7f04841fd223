package dev.ephemera.apikey;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.ephemera.error.BrokerException;
import dev.ephemera.error.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** {@code Authorization: Basic} at its edges: an empty id or secret, a second colon, the length limit. */
class BasicCredentialsTest {

    private static String basic(String pair) {
        return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @ValueSource(strings = {":secret", "id:", ":", "id", "", "id:se:cret", "id::", "::secret", "id%3:secret",
        "id:secret%"})
    void refusesAnythingButANonEmptyIdAndSecret(String pair) {
        BrokerException refused = catchThrowableOfType(BrokerException.class,
                () -> BasicCredentials.parse(basic(pair)));
        assertThat(refused).as(pair).isNotNull();
        assertThat(refused.errorCode()).isEqualTo(ErrorCode.MALFORMED_AUTHORIZATION);
    }

    @Test
    void readsTheOneColonBetweenIdAndSecretAndDecodesEach() {
        BasicCredentials parsed = BasicCredentials.parse(basic("key_1%3Ax:s%3Ac+r%2Bt"));
        assertThat(parsed.clientId()).isEqualTo("key_1:x");
        assertThat(parsed.clientSecret()).isEqualTo("s:c r+t");
        assertThat(BasicCredentials.parse(basic("a:b")).clientId()).isEqualTo("a");
        assertThat(BasicCredentials.parse(basic("a:b")).clientSecret()).isEqualTo("b");
    }

    @Test
    void credentialsUpTo8192Base64CharactersAreReadAndLongerOnesAreNot() {
        // 6144 bytes are exactly 8192 base64 characters.
        String atLimit = basic("id:" + "s".repeat(6144 - 3));
        assertThat(atLimit.length() - "Basic ".length()).isEqualTo(8192);
        assertThat(BasicCredentials.parse(atLimit).clientSecret()).hasSize(6141);
        String over = basic("id:" + "s".repeat(6144));
        assertThat(catchThrowableOfType(BrokerException.class, () -> BasicCredentials.parse(over)).errorCode())
                .isEqualTo(ErrorCode.MALFORMED_AUTHORIZATION);
    }

    @Test
    void whatIsNotBase64IsMalformed() {
        assertThat(catchThrowableOfType(BrokerException.class, () -> BasicCredentials.parse("Basic !!!!"))
                .errorCode()).isEqualTo(ErrorCode.MALFORMED_AUTHORIZATION);
    }
}
