package dev.ephemera.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.secret.Secrets;
import dev.ephemera.support.Broker;
import dev.ephemera.support.Broker.Reply;
import dev.ephemera.support.BrokerExtension;
import dev.ephemera.token.UsageLimits;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code GET /v1/usage} over the in-memory store (SPEC §5): a {@code read} key sees its own usage only and is refused
 * another's; an admin sees every key's or any one's; rows grouped by day, model, key or subject with their exact
 * cost; dates, ranges and groupings it cannot read refused with {@code 400} naming the parameter.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UsageControllerTest {

    @RegisterExtension
    static final BrokerExtension ENV = BrokerExtension.inMemory();
    private Broker broker;
    private SessionStore store;
    private AutoCloseable frozen;
    private LocalDate today;
    private String alice;
    private String aliceId;
    private String bob;
    private String bobId;

    @BeforeAll
    void start() {
        broker = ENV.broker();
        frozen = broker.clock().freeze();
        today = LocalDate.ofInstant(broker.clock().instant(), ZoneOffset.UTC);
        store = broker.context().getBean(SessionStore.class);
        alice = ENV.secret(broker.createKey("read"));
        aliceId = idOf(alice);
        bob = ENV.secret(broker.createKey("read", "write"));
        bobId = idOf(bob);
        use(aliceId, today, "gpt-realtime", "user-1", 100, 20, 11_200);
        use(aliceId, today.minusDays(1), "gpt-realtime", "user-2", 10, 5, 1);
        use(aliceId, today.minusDays(1), "gpt-4o", "user-1", 1, 1, 999_999);
        use(bobId, today, "gpt-realtime", null, 7, 3, 250_000);
    }

    @AfterAll
    void stop() throws Exception {
        frozen.close();
    }

    private static String idOf(String key) {
        return "key_" + key.substring("ephk_".length(), "ephk_".length() + 16);
    }

    private void use(String keyId, LocalDate day, String model, String subject, long in, long out, long micros) {
        TokenFacts token = new TokenFacts("tok_" + Secrets.randomBase62(24), keyId, "openai", "gpt-realtime", subject,
                null, "opaque", 1, 1, Instant.EPOCH, Instant.EPOCH.plusSeconds(60));
        store.add(null, token, Usage.ofResponse(in, out, 0, 0, 0, 0).costing(micros), day,
                MoneyTurn.count(UsageLimits.NONE, model)).toCompletableFuture().join();
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> data(Reply reply) {
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        assertThat(reply.json().get("object")).isEqualTo("list");
        return (List<Map<String, Object>>) reply.json().get("data");
    }

    private String since(int daysBack) {
        return "from=" + today.minusDays(daysBack);
    }

    @Test
    void aReadKeySeesOnlyItsOwnUsageToTheMicroDollar() {
        List<Map<String, Object>> total = data(broker.get("/v1/usage?" + since(1), alice));
        assertThat(total).hasSize(1);
        assertThat(total.get(0)).containsEntry("input_tokens", 111).containsEntry("output_tokens", 26)
                .containsEntry("total_tokens", 137).containsEntry("cost_usd", "1.011200")
                .doesNotContainKeys("day", "key_id", "provider", "model", "subject");
        assertThat(data(broker.get("/v1/usage?group_by=key&" + since(1), alice)))
                .extracting(r -> r.get("key_id")).containsExactly(aliceId);
        assertThat(data(broker.get("/v1/usage?key=" + aliceId, alice))).extracting(r -> r.get("cost_usd"))
                .containsExactly("0.011200");
        assertThat(data(broker.get("/v1/usage", bob))).extracting(r -> r.get("cost_usd"))
                .containsExactly("0.250000");
    }

    @Test
    void aReadKeyNamingAnotherKeyIsRefused() {
        Reply other = broker.get("/v1/usage?key=" + bobId, alice);
        assertThat(other.status()).isEqualTo(403);
        assertThat(other.code()).isEqualTo("insufficient_permissions");
        assertThat(other.param()).isEqualTo("key");
        assertThat(other.body()).doesNotContain(bobId);
        assertThat(broker.get("/v1/usage?key=key_bootstrap", bob).status()).isEqualTo(403);
        String writer = ENV.secret(broker.createKey("write"));
        assertThat(broker.get("/v1/usage", writer).code()).isEqualTo("insufficient_permissions");
        assertThat(broker.get("/v1/usage", null).status()).isEqualTo(401);
    }

    @Test
    void keyNamesAKeyByItsIdNeverByItsSecret() {
        for (String value : List.of(bob, Broker.ADMIN_KEY, "abc")) {
            Reply refused = broker.get("/v1/usage?key=" + value, Broker.ADMIN_KEY);
            assertThat(refused.status()).isEqualTo(400);
            assertThat(refused.code()).isEqualTo("unsupported_auth_method");
            assertThat(refused.body()).doesNotContain(value);
        }
        assertThat(broker.get("/v1/usage?api_key=" + aliceId, alice).code()).isEqualTo("unsupported_auth_method");
        assertThat(broker.get("/v1/usage?key=" + aliceId + "&key=" + bob, alice).code())
                .isEqualTo("unsupported_auth_method");
        assertThat(broker.get("/v1/tokens/tok_AAAAAAAAAAAAAAAAAAAAAAAA?key=" + aliceId, alice).code())
                .isEqualTo("unsupported_auth_method");
    }

    @Test
    void anAdminSeesEveryKeyOrAnyOne() {
        List<Map<String, Object>> keys = data(broker.get("/v1/usage?group_by=key&" + since(1), Broker.ADMIN_KEY));
        assertThat(keys).filteredOn(r -> Set.of(aliceId, bobId).contains(r.get("key_id")))
                .extracting(r -> r.get("key_id"), r -> r.get("cost_usd")).containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple(aliceId, "1.011200"),
                        org.assertj.core.groups.Tuple.tuple(bobId, "0.250000"));
        assertThat(data(broker.get("/v1/usage?key=" + bobId + "&" + since(1), Broker.ADMIN_KEY)))
                .extracting(r -> r.get("total_tokens")).containsExactly(10);
    }

    @Test
    void rowsCarryTheirGroupsFields() {
        String key = "&key=" + aliceId + "&" + since(1);
        assertThat(data(broker.get("/v1/usage?group_by=day" + key, Broker.ADMIN_KEY)))
                .extracting(r -> r.get("day"), r -> r.get("cost_usd")).containsExactly(
                        org.assertj.core.groups.Tuple.tuple(today.minusDays(1).toString(), "1.000000"),
                        org.assertj.core.groups.Tuple.tuple(today.toString(), "0.011200"));
        List<Map<String, Object>> models = data(broker.get("/v1/usage?group_by=model" + key, alice));
        assertThat(models).extracting(r -> r.get("provider"), r -> r.get("model"), r -> r.get("input_tokens"))
                .containsExactly(org.assertj.core.groups.Tuple.tuple("openai", "gpt-4o", 1),
                        org.assertj.core.groups.Tuple.tuple("openai", "gpt-realtime", 110));
        assertThat(models.get(0).keySet()).containsExactlyInAnyOrder("provider", "model", "input_tokens",
                "output_tokens", "total_tokens", "cached_tokens", "audio_input_tokens", "audio_output_tokens",
                "cached_audio_tokens", "reasoning_tokens", "responses", "seconds", "cost_usd");
        assertThat(data(broker.get("/v1/usage?group_by=subject" + key, alice)))
                .extracting(r -> r.get("subject"), r -> r.get("cost_usd")).containsExactly(
                        org.assertj.core.groups.Tuple.tuple("user-1", "1.011199"),
                        org.assertj.core.groups.Tuple.tuple("user-2", "0.000001"));
        assertThat(data(broker.get("/v1/usage?group_by=subject&key=" + bobId, Broker.ADMIN_KEY)))
                .singleElement().satisfies(r -> assertThat(r).doesNotContainKey("subject"));
    }

    @Test
    void filtersNarrowAndNothingUsedIsAnEmptyList() {
        assertThat(data(broker.get("/v1/usage?model=gpt-4o&subject=user-1&" + since(1), alice)))
                .extracting(r -> r.get("cost_usd")).containsExactly("0.999999");
        assertThat(data(broker.get("/v1/usage?provider=anthropic&" + since(1), alice))).isEmpty();
        assertThat(data(broker.get("/v1/usage?from=" + today.minusDays(5) + "&to=" + today.minusDays(2), alice)))
                .isEmpty();
        String fresh = ENV.secret(broker.createKey("read"));
        assertThat(data(broker.get("/v1/usage?group_by=day", fresh))).isEmpty();
    }

    @Test
    void datesRangesAndGroupingsItCannotReadAreRefusedNamingTheParameter() {
        Map<String, String> refused = Map.of(
                "from=2025-02-30", "from",
                "from=" + today.minusDays(63), "from",
                "from=" + today.minusDays(62) + "&to=" + today, "from",
                "to=" + today.plusDays(1), "to",
                "from=" + today + "&to=" + today.minusDays(1), "to",
                "group_by=week", "group_by",
                "to=20250601", "to",
                "from=" + today + "&from=" + today, "from");
        refused.forEach((query, param) -> {
            Reply reply = broker.get("/v1/usage?" + query, alice);
            assertThat(reply.status()).as(query).isEqualTo(400);
            assertThat(reply.code()).isEqualTo("invalid_request");
            assertThat(reply.param()).as(query).isEqualTo(param);
        });
        Reply unknown = broker.get("/v1/usage?groupby=day", alice);
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.body()).doesNotContain("groupby");
    }

    @Test
    void anAdminReportOverMoreKeysThanTheCapIsRefusedUnlessItNamesOne() {
        LocalDate busy = today.minusDays(50);
        for (int i = 0; i <= UsageController.MAX_KEYS; i++) {
            use("key_" + Secrets.randomBase62(16), busy, "gpt-realtime", null, 1, 1, 1);
        }
        Reply refused = broker.get("/v1/usage?from=" + busy + "&to=" + busy, Broker.ADMIN_KEY);
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.param()).isEqualTo("key");
        assertThat(data(broker.get("/v1/usage?from=" + busy + "&to=" + busy.plusDays(1) + "&key=" + aliceId,
                Broker.ADMIN_KEY))).isEmpty();
    }
}
