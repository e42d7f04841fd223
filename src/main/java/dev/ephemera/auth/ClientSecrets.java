package dev.ephemera.auth;

import java.util.concurrent.CompletionStage;

/**
 * Checks an OAuth client's credentials (RFC 6749 §2.3.1): {@code client_id} is an API key's id, {@code
 * client_secret} the key itself. Implemented by the API keys, which sit above this package.
 */
public interface ClientSecrets {

    /**
     * The caller the key stands for, when {@code clientId} names it.
     *
     * @return a stage failing with {@code invalid_api_key} (or the key's other refusals) when it does not
     */
    CompletionStage<Caller> authenticate(String clientId, String clientSecret);
}
