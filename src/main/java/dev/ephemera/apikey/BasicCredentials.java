package dev.ephemera.apikey;

import dev.ephemera.error.BrokerException;
import dev.ephemera.error.ErrorCode;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * An OAuth client's {@code Authorization: Basic} credentials (RFC 6749 §2.3.1, {@code client_secret_basic}): the
 * API key's id and the key. Each is form-encoded before the pair is base64-encoded, so the {@code :} between them
 * is the only one in the decoded text, and each is decoded before anything compares it.
 */
record BasicCredentials(String clientId, String clientSecret) {

    private static final int MAX_LENGTH = 8192;

    @Override
    public String toString() {
        return "BasicCredentials[" + clientId + "]";
    }

    /**
     * The credentials of {@code header}, an {@code Authorization} value whose scheme is {@code Basic}.
     *
     * @throws BrokerException {@code malformed_authorization} for anything but {@code base64(id:secret)} with a
     *                         non-empty, form-encoded id and secret
     */
    static BasicCredentials parse(String header) {
        String encoded = header.substring(header.indexOf(' ') + 1).trim();
        if (encoded.length() > MAX_LENGTH) {
            throw malformed("Basic credentials must be client_id:client_secret (the key's id and the key).");
        }
        String pair;
        try {
            pair = new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw malformed("The Authorization header's Basic credentials are not base64.");
        }
        int colon = pair.indexOf(':');
        if (colon <= 0 || colon == pair.length() - 1 || pair.indexOf(':', colon + 1) >= 0) {
            throw malformed("Basic credentials must be client_id:client_secret (the key's id and the key).");
        }
        try {
            return new BasicCredentials(URLDecoder.decode(pair.substring(0, colon), StandardCharsets.UTF_8),
                    URLDecoder.decode(pair.substring(colon + 1), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw malformed("Basic credentials are not form-encoded.");
        }
    }

    private static BrokerException malformed(String message) {
        return new BrokerException(ErrorCode.MALFORMED_AUTHORIZATION, message);
    }
}
