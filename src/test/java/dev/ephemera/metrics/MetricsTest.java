package dev.ephemera.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.support.Broker;
import dev.ephemera.support.Scrape;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** SPEC §5 and §8: {@code GET /prometheus} without credentials, counting what the broker did and refused. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MetricsTest {

    private static final String MINTED =
            "ephemera_tokens_minted_total{format=\"%s\",mode=\"relay\",provider=\"openai\"}";
    private static final String REDEEMED = "ephemera_tokens_redeemed_total{provider=\"openai\"}";
    private static final String REJECTED = "ephemera_requests_rejected_total{code=\"%s\"}";
    private static final String MINT_TIMINGS =
            "ephemera_http_requests_seconds_count{method=\"POST\",route=\"/v1/tokens\",status=\"%s\"}";

    private Broker broker;
    private String key;

    @BeforeAll
    void start() {
        broker = Broker.inMemory(Map.of());
        key = broker.createKey("read", "write");
    }

    @AfterAll
    void stop() {
        broker.close();
    }

    @Test
    void mintsRedemptionsAndRefusalsAreCountedByWhatTheyWere() {
        Scrape before = Scrape.of(broker);
        String once = broker.mint(key, Map.of("provider", "openai")).string("value");
        broker.mint(key, Map.of("provider", "openai", "format", "jwt"));
        assertThat(broker.consume(key, once).status()).isEqualTo(200);
        assertThat(broker.consume(key, once).code()).isEqualTo("token_already_used");
        assertThat(broker.postJson("/v1/tokens", "eph_live_not-a-key", Map.of("provider", "openai")).status())
                .isEqualTo(401);
        assertThat(broker.postJson("/v1/tokens", key, Map.of("provider", "nobody")).code())
                .isEqualTo("unknown_provider");

        Scrape after = Scrape.of(broker);
        assertThat(delta(before, after, MINTED.formatted("opaque"))).isEqualTo(1);
        assertThat(delta(before, after, MINTED.formatted("jwt"))).isEqualTo(1);
        assertThat(delta(before, after, REDEEMED)).isEqualTo(1);
        assertThat(delta(before, after, REJECTED.formatted("token_already_used"))).isEqualTo(1);
        assertThat(delta(before, after, REJECTED.formatted("unknown_provider"))).isEqualTo(1);
        assertThat(delta(before, after, REJECTED.formatted("invalid_api_key"))
                + delta(before, after, REJECTED.formatted("malformed_authorization"))).isEqualTo(1);
        assertThat(delta(before, after, MINT_TIMINGS.formatted("2xx"))).isEqualTo(2);
        assertThat(delta(before, after, MINT_TIMINGS.formatted("4xx"))).isEqualTo(2);
        assertThat(after.text()).contains("ephemera_relay_sessions_active 0.0", "ephemera_redis_errors_total 0.0",
                "jvm_memory_used_bytes");
    }

    /**
     * The memory Netty's allocator holds, which NMT does not see (it allocates with {@code malloc} itself) and which
     * Micronaut's Netty binder does not either: it reads the pooled allocator, and Netty 4.2 serves from the adaptive
     * one. A request served leaves chunks in the allocator's magazines, so direct memory in use is above zero.
     */
    @Test
    void theAllocatorTheServerUsesIsMeasured() {
        broker.mint(key, Map.of("provider", "openai"));

        Scrape scraped = Scrape.of(broker);
        assertThat(scraped.value("ephemera_netty_allocator_used_bytes{memory=\"direct\"}")).isPositive();
        assertThat(scraped.value("ephemera_netty_allocator_used_bytes{memory=\"heap\"}")).isNotNegative();
        assertThat(scraped.text()).contains("ephemera_netty_direct_memory_bytes");
    }

    @Test
    void noLabelCarriesAKeyATokenOrAPathTheCallerChose() {
        String token = broker.mint(key, Map.of("provider", "openai")).string("value");
        broker.get("/v1/proxy/openai/chosen-by-caller-1", token);
        broker.get("/no-such-place/chosen-by-caller-2", key);
        broker.get("/v1/tokens/chosen-by-caller-3", key);
        broker.postJson("/v1/tokens/introspect", key, Map.of("token", token + "chosen-by-caller-4"));

        String scraped = Scrape.of(broker).text();
        assertThat(scraped).doesNotContain(key, token, Broker.ADMIN_KEY, Broker.OPENAI_KEY, "chosen-by-caller");
        assertThat(scraped).contains("route=\"/v1/proxy/{provider}/{path}\"", "route=\"UNMATCHED\"");
        // Each series' route is a template or one of the two fixed names.
        assertThat(scraped.lines().filter(l -> l.contains("route=\""))
                .map(l -> l.replaceAll(".*route=\"([^\"]*)\".*", "$1")).distinct())
                .allMatch(route -> route.equals("UNMATCHED") || route.startsWith("/"));
    }

    private static double delta(Scrape before, Scrape after, String sample) {
        return after.value(sample) - before.value(sample);
    }
}
