package dev.ephemera.relay.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** SPEC §7: request headers to a provider are an allow-list, whatever a client names them. */
class ProviderRequestHeadersProperties {

    private static final Set<String> ALLOWED = Set.of("content-type", "content-length", "accept", "user-agent",
            "x-client-request-id", "idempotency-key");

    @Property(tries = 3000)
    void aHeaderReachesAProviderOnlyWhenItsSdksSendIt(@ForAll("names") String name,
            @ForAll("providers") String provider) {
        String lower = name.toLowerCase(Locale.ROOT);
        boolean expected = ALLOWED.contains(lower) || lower.startsWith("x-stainless-")
                || (provider.equals("gemini") || provider.equals("vertex")) && lower.equals("x-goog-api-client");
        assertThat(ProviderRequestHeaders.allowed(provider, name)).as(name).isEqualTo(expected);
    }

    @Provide
    Arbitrary<String> names() {
        Arbitrary<String> known = Arbitraries.of("OpenAI-Organization", "OpenAI-Project", "OpenAI-Beta",
                "anthropic-beta", "anthropic-version", "X-HTTP-Method-Override", "X-Method-Override", "Accept-Encoding",
                "Cookie", "Authorization", "x-api-key", "api-key", "x-goog-api-key", "x-goog-user-project",
                "X-Forwarded-For", "Forwarded", "Content-Type", "CONTENT-TYPE", "Accept", "User-Agent",
                "X-Stainless-Lang", "x-stainless-retry-count", "X-Client-Request-Id", "Idempotency-Key",
                "x-goog-api-client", "Transfer-Encoding", "TE", "Upgrade", "Connection", "Host",
                "x-stainless", "xx-stainless-lang", "content-type ", "content-type\t", "ﬀ-content-type");
        Arbitrary<String> any = Arbitraries.strings().withCharRange('!', '~').ofMinLength(1).ofMaxLength(30);
        return Arbitraries.oneOf(known, any, known.map(n -> n.toUpperCase(Locale.ROOT)));
    }

    @Provide
    Arbitrary<String> providers() {
        return Arbitraries.of("openai", "azure", "anthropic", "gemini", "vertex", "mistral", "cohere", "xai",
                "custom");
    }
}
