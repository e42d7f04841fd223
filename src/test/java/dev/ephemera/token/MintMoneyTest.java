package dev.ephemera.token;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.session.MoneyTurn;
import dev.ephemera.session.SessionStore;
import dev.ephemera.session.TokenFacts;
import dev.ephemera.session.Usage;
import dev.ephemera.support.Broker;
import dev.ephemera.support.Broker.Reply;
import dev.ephemera.support.TestIssuer;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MediaType;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * SPEC §11 at the mint: limits of money as decimal strings (numbers accepted) read exactly, a key's budgets of money
 * shown and carried on its tokens, a mint refused once a key's or a subject's money is spent, and a limit of money
 * on a model without a price refused.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MintMoneyTest {

    private static final String APP = "https://app.example.com";
    private final TestIssuer idp = new TestIssuer();
    private Broker broker;
    private String key;

    @BeforeAll
    void start() {
        Map<String, Object> config = new HashMap<>(idp.brokerConfig());
        config.put("ephemera.profiles.voice.limits.max-cost-usd", "0.50");
        config.put("ephemera.profiles.voice.per-subject-budget.usd-per-day", "2.00");
        config.put("test.unpriced-model", "gpt-unpriced");
        broker = Broker.inMemory(config);
        key = broker.createKey("write", "read");
    }

    @AfterAll
    void stop() {
        broker.close();
    }

    private Reply mintWithCost(String key, String maxCostUsd) {
        return broker.postJson("/v1/tokens", key, "{\"provider\":\"openai\",\"limits\":{\"max_cost_usd\":"
                + maxCostUsd + "}}");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "\"0.50\"|0.500000",
        "0.5|0.500000",
        "\"2\"|2.000000",
        "2|2.000000",
        "\"0.000001\"|0.000001",
        "0.123456|0.123456",
        "\"1000000000\"|1000000000.000000",
    })
    @SuppressWarnings("unchecked")
    void aLimitOfMoneyIsReadExactlyFromAStringOrANumberAndAnsweredWithSixDigits(String sent, String shown) {
        Reply minted = mintWithCost(key, sent);
        assertThat(minted.status()).as(minted.body()).isEqualTo(201);
        assertThat((Map<String, Object>) minted.json().get("limits")).containsEntry("max_cost_usd", shown);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"\"0.1234567\"", "0.1234567", "0.10000000000000000001", "\"1e3\"", "\"-1\"", "-1",
        "\"0\"", "0", "0.0", "\"1000000000.000001\"", "1e10", "\" 1\"", "\"1.\"", "\".5\"", "\"0x10\"", "true",
        "[]", "{}"})
    void aLimitOfMoneyThatIsNotAnExactPositiveAmountIsRefusedByName(String sent) {
        Reply refused = mintWithCost(key, sent);
        assertThat(refused.status()).as(refused.body()).isEqualTo(400);
        assertThat(refused.code()).isEqualTo("invalid_request");
        assertThat(refused.param()).isEqualTo("limits.max_cost_usd");
    }

    @Test
    @SuppressWarnings("unchecked")
    void aKeysBudgetsOfMoneyAreShownAsDecimalStringsAndRefusedByNameWhenBad() {
        Reply created = broker.postJson("/v1/admin/keys", Broker.ADMIN_KEY, "{\"name\":\"b\",\"permissions\":"
                + "[\"write\"],\"budget\":{\"tokens_per_day\":10,\"usd_per_day\":\"2.5\",\"usd_per_month\":100}}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        Map<String, Object> expected = Map.of("tokens_per_day", 10, "usd_per_day", "2.500000", "usd_per_month",
                "100.000000");
        assertThat((Map<String, Object>) created.json().get("budget")).isEqualTo(expected);
        assertThat((Map<String, Object>) broker.get("/v1/admin/keys/" + created.string("id"), Broker.ADMIN_KEY)
                .json().get("budget")).isEqualTo(expected);
        for (String[] bad : new String[][] {{"usd_per_day", "\"0.0000001\""}, {"usd_per_month", "0"},
            {"usd_per_day", "\"1e3\""}}) {
            Reply refused = broker.postJson("/v1/admin/keys", Broker.ADMIN_KEY, "{\"name\":\"b\",\"permissions\":"
                    + "[\"write\"],\"budget\":{\"" + bad[0] + "\":" + bad[1] + "}}");
            assertThat(refused.status()).as(refused.body()).isEqualTo(400);
            assertThat(refused.param()).isEqualTo("budget." + bad[0]);
        }
    }

    @Test
    void aKeysMintsAreRefusedOnceItsMoneyForTheDayIsSpent() {
        Reply created = broker.postJson("/v1/admin/keys", Broker.ADMIN_KEY, Map.of("name", "spender",
                "permissions", List.of("write"), "budget", Map.of("usd_per_day", "1.00", "usd_per_month", "5")));
        String budgeted = created.string("key");
        TokenRecord first = record(broker.mint(budgeted, Map.of("provider", "openai")).string("id"));
        assertThat(first.limits().keyMicrosPerDay()).isEqualTo(1_000_000L);
        assertThat(first.limits().keyMicrosPerMonth()).isEqualTo(5_000_000L);

        spend(first, 999_999L, UsageLimits.NONE);
        broker.mint(budgeted, Map.of("provider", "openai"));
        spend(first, 1L, UsageLimits.NONE);
        Reply refused = broker.postJson("/v1/tokens", budgeted, Map.of("provider", "openai"));
        assertThat(refused.status()).as(refused.body()).isEqualTo(429);
        assertThat(refused.code()).isEqualTo("quota_exceeded");
        assertThat(refused.body()).contains("budget.usd_per_day").doesNotContain("1.00");
        assertThat(broker.postJson("/v1/tokens", key, Map.of("provider", "openai")).status())
                .as("another key's money is its own").isEqualTo(201);
    }

    @Test
    @SuppressWarnings("unchecked")
    void aUsersMintsFromAProfileAreRefusedOnceTheirMoneyForTheDayIsSpent() {
        Reply alice = browserMint("alice");
        assertThat(alice.status()).as(alice.body()).isEqualTo(201);
        assertThat((Map<String, Object>) alice.json().get("limits")).containsEntry("max_cost_usd", "0.500000");
        TokenRecord token = record(alice.string("id"));
        assertThat(token.limits().maxCostMicros()).isEqualTo(500_000L);
        assertThat(token.limits().subjectMicrosPerDay()).isEqualTo(2_000_000L);

        spend(token, 2_000_000L, token.limits());
        Reply refused = browserMint("alice");
        assertThat(refused.status()).as(refused.body()).isEqualTo(429);
        assertThat(refused.code()).isEqualTo("quota_exceeded");
        assertThat(refused.body()).contains("per-subject-budget").doesNotContain("alice");
        assertThat(browserMint("bob").status()).as("another user's money is their own").isEqualTo(201);
    }

    @Test
    void aLimitOfMoneyOnAModelWithoutAPriceIsRefusedAndWithoutOneItIsNot() {
        String body = "{\"provider\":\"openai\",\"model\":\"gpt-unpriced\",\"limits\":{\"max_cost_usd\":\"1\"}}";
        Reply refused = broker.postJson("/v1/tokens", key, body);
        assertThat(refused.status()).as(refused.body()).isEqualTo(403);
        assertThat(refused.code()).isEqualTo("usage_not_measurable");
        assertThat(refused.body()).doesNotContain("gpt-unpriced");
        String budgeted = broker.postJson("/v1/admin/keys", Broker.ADMIN_KEY, Map.of("name", "m", "permissions",
                List.of("write"), "budget", Map.of("usd_per_month", "10"))).string("key");
        assertThat(broker.postJson("/v1/tokens", budgeted, Map.of("provider", "openai", "model", "gpt-unpriced"))
                .code()).isEqualTo("usage_not_measurable");

        assertThat(broker.postJson("/v1/tokens", key, Map.of("provider", "openai", "model", "gpt-unpriced"))
                .status()).isEqualTo(201);
        assertThat(broker.postJson("/v1/tokens", budgeted, Map.of("provider", "openai")).status()).isEqualTo(201);
        assertThat(broker.postJson("/v1/tokens", key, body.replace("gpt-unpriced", "gpt-realtime")).status())
                .isEqualTo(201);
    }

    private Reply browserMint(String user) {
        return broker.send(HttpRequest.POST("/realtime-token", "{}").contentType(MediaType.APPLICATION_JSON_TYPE)
                .header("Origin", APP).bearerAuth(idp.user(user)));
    }

    private TokenRecord record(String id) {
        return broker.context().getBean(TokenStore.class).findById(id).toCompletableFuture().join().orElseThrow();
    }

    /** {@code micros} spent today by {@code token}, counted on the ledgers {@code limits} name, as a relay would. */
    private void spend(TokenRecord token, long micros, UsageLimits limits) {
        LocalDate today = LocalDate.ofInstant(broker.clock().instant(), ZoneOffset.UTC);
        broker.context().getBean(SessionStore.class).add(null, TokenFacts.of(token), Usage.NONE.costing(micros),
                today, MoneyTurn.count(limits, null)).toCompletableFuture().join();
    }
}
