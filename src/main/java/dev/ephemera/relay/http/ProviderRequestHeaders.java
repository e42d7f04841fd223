package dev.ephemera.relay.http;

import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The request headers a client may send on to a provider through the HTTP relay (SPEC §7): an allow-list per
 * provider of what its SDKs send, never a block-list, so that a browser cannot choose what the broker's key is used
 * for (a billing project, an organisation, beta features, a method override) nor how the answer is encoded (an
 * {@code Accept-Encoding} would hide its usage). Headers the provider needs from the broker (its key, its version,
 * configured headers) are set by the broker after this.
 */
final class ProviderRequestHeaders {

    /** What every provider's SDKs send that describes the request, not the account. */
    private static final Set<String> COMMON = Set.of("content-type", "content-length", "accept", "user-agent",
            "x-client-request-id", "idempotency-key");
    /** Telemetry of the OpenAI and Anthropic SDKs (Stainless-generated): language, version, retry count, timeout. */
    private static final String SDK_TELEMETRY = "x-stainless-";
    // Google's SDKs' telemetry; never x-goog-user-project, which would bill another project with the broker's
    // credential.
    private static final Map<String, Set<String>> BY_PROVIDER = Map.of(
            "gemini", Set.of("x-goog-api-client"), "vertex", Set.of("x-goog-api-client"));

    private ProviderRequestHeaders() {
    }

    /** Whether a client's header {@code name} may reach {@code provider}. */
    static boolean allowed(String provider, String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return COMMON.contains(lower) || lower.startsWith(SDK_TELEMETRY)
                || BY_PROVIDER.getOrDefault(provider, Set.of()).contains(lower);
    }
}
