package dev.ephemera.apikey;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.ephemera.error.BrokerException;
import dev.ephemera.error.ErrorCode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.NotEmpty;

/**
 * {@code Authorization: Basic} as OAuth clients send it: whatever the id and secret hold, encoding them as RFC 6749
 * §2.3.1 says and parsing gives them back exactly; whatever a client sends instead is parsed or refused as
 * {@code malformed_authorization}, never anything else.
 */
class BasicCredentialsProperties {

    private static String header(String id, String secret) {
        String pair = URLEncoder.encode(id, StandardCharsets.UTF_8) + ":"
                + URLEncoder.encode(secret, StandardCharsets.UTF_8);
        return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
    }

    @Property
    void encodedCredentialsComeBackExactly(@ForAll @NotEmpty String id, @ForAll @NotEmpty String secret) {
        // Lone surrogates are not text: UTF-8 cannot carry them, so no client can send them.
        if (!StandardCharsets.UTF_8.newEncoder().canEncode(id) || !StandardCharsets.UTF_8.newEncoder()
                .canEncode(secret)) {
            return;
        }
        BasicCredentials parsed = BasicCredentials.parse(header(id, secret));
        assertThat(parsed.clientId()).isEqualTo(id);
        assertThat(parsed.clientSecret()).isEqualTo(secret);
        assertThat(parsed.toString()).isEqualTo("BasicCredentials[" + id + "]");  // never the secret
    }

    @Property
    void anythingElseIsParsedOrRefusedAsMalformed(@ForAll String credentials, @ForAll boolean asBase64) {
        String value = asBase64 ? Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8))
                : credentials;
        Throwable thrown = catchThrowable(() -> BasicCredentials.parse("Basic " + value));
        if (thrown != null) {
            assertThat(thrown).isInstanceOf(BrokerException.class);
            assertThat(((BrokerException) thrown).errorCode()).isEqualTo(ErrorCode.MALFORMED_AUTHORIZATION);
        }
    }
}
