package dev.ephemera.store.redis;

import dev.ephemera.session.EndRequest;
import dev.ephemera.session.LiveSession;
import dev.ephemera.session.Receipt;
import dev.ephemera.session.SessionStore;
import dev.ephemera.session.TokenFacts;
import dev.ephemera.session.MoneyTurn;
import dev.ephemera.session.Usage;
import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.json.JsonMapper;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;

/**
 * Live sessions, receipts and daily usage in Redis (SPEC §11). Each key stands alone, so every command works on a
 * Cluster:
 * <ul>
 *   <li>{@code eph:live:{<sessionId>}}: a live session (a hash: its facts, its usage counts, the replica that holds
 *   it, {@code end} once it was asked to end), kept at most as long as the session may last; the sessions of a
 *   replica that died are removed by another ({@link RedisReplicas});</li>
 *   <li>{@code eph:lives:r:{<replicaId>}}: ids of a replica's live sessions, scored by when they opened; a key's
 *   live sessions are found among its session places ({@code eph:sess:{<keyId>}}, {@link RedisRateLimiter}), which
 *   every session holds;</li>
 *   <li>{@code eph:rcpt:{<tokenId>}}: a token's receipt (a hash: the token's facts, its usage counts, when it was
 *   revoked, and one {@code s:<sessionId>} field per session, a JSON summary);</li>
 *   <li>{@code eph:day:{<keyId>}:<date>}: a key's usage counts of one UTC day;</li>
 *   <li>channel {@code eph:end}: "{@code <sessionId> <reason> <epoch ms>}" for every session asked to end (the
 *   request as {@link EndRequests} writes it, also in the session's {@code end} field).</li>
 * </ul>
 */
@Singleton
final class RedisSessionStore implements SessionStore {

    static final String END_CHANNEL = "eph:end";
    /** How long a request to end a session waits for its replica's next heartbeat: longer than a replica lives
     * without one. */
    private static final Duration ENDS_KEPT = Duration.ofMinutes(1);
    private static final RedisScript SAVE = new RedisScript("save.lua");
    private static final RedisScript ADD = new RedisScript("usage-add.lua");
    private static final RedisScript RESERVE = new RedisScript("usage-reserve.lua");
    private static final RedisScript NOTE = new RedisScript("note.lua");
    private static final RedisScript END = new RedisScript("live-end.lua");
    /** The longest list of live sessions one answer reads. */
    private static final int LIST_LIMIT = 1000;

    private final RedisConnector redis;
    private final SessionSummaries summaries;
    private final Clock clock;
    private final RedisReplicas replicas;
    private final RedisMoney money;

    RedisSessionStore(RedisConnector redis, JsonMapper json, Clock clock) {
        this.redis = redis;
        this.summaries = new SessionSummaries(json);
        this.clock = clock;
        this.replicas = new RedisReplicas(redis);
        this.money = new RedisMoney(redis);
    }

    static String liveKey(String sessionId) {
        return "eph:live:{" + sessionId + "}";
    }

    static String receiptKey(String tokenId) {
        return "eph:rcpt:{" + tokenId + "}";
    }

    @Override
    public CompletionStage<Optional<String>> open(LiveSession session, TokenFacts token, Duration lease) {
        Map<String, String> fields = new LinkedHashMap<>(SessionFields.of(session));
        fields.put("replica", replicas.id());
        String[] save = new String[1 + fields.size() * 2];
        save[0] = Long.toString(clock.instant().plus(lease).toEpochMilli());
        int i = 1;
        for (Map.Entry<String, String> e : fields.entrySet()) {
            save[i++] = e.getKey();
            save[i++] = e.getValue();
        }
        String[] note = SessionFields.noteArgs(SessionFields.facts(token), Map.of("uses_left",
                Integer.toString(token.usesLeft()), "s:" + session.id(), summaries.live(session)));
        double opened = session.openedAt();
        List<CompletableFuture<List<Object>>> receipt = new ArrayList<>();
        return redis.pipelineAsync(r -> {
            // Sent again after a script reload: only the answer of the last sending counts.
            receipt.clear();
            RedisFuture<List<Object>> noted = NOTE.runAsync(r, ScriptOutputType.MULTI,
                    new String[] {receiptKey(token.id())}, note);
            receipt.add(noted.toCompletableFuture());
            return List.of(
                    SAVE.runAsync(r, ScriptOutputType.INTEGER, new String[] {liveKey(session.id())}, save),
                    r.zadd(RedisReplicas.sessionsOf(replicas.id()), opened, session.id()),
                    noted);
        // Every answer is in (the pipeline completed): join() does not wait.
        }).thenApply(done -> Optional.ofNullable(TokenFields.fromFlat(receipt.get(0).join(), 0).get("revoke_reason")));
    }

    @Override
    public CompletionStage<Map<String, EndRequest>> renew(Collection<String> sessionIds, Duration lease) {
        // One heartbeat for the replica, whatever it holds; the end requests it missed come with it.
        return replicas.beat(lease, !sessionIds.isEmpty()).thenApply(asked -> {
            asked.keySet().retainAll(Set.copyOf(sessionIds));
            return asked;
        });
    }

    @Override
    public CompletionStage<Added> add(@Nullable String sessionId, TokenFacts token, Usage usage, LocalDate day,
            MoneyTurn turn) {
        return add(sessionId, token, usage, day, turn, null);
    }

    /** {@link #add}, with {@code reservation} (tokens, responses) added to the receipt's reserved counts too. */
    private CompletionStage<Added> add(@Nullable String sessionId, TokenFacts token, Usage usage, LocalDate day,
            MoneyTurn turn, long @Nullable [] reservation) {
        String[] facts = SessionFields.noteArgs(SessionFields.facts(token), Map.of());
        String[] moneyKeys = RedisMoney.keys(token, day, turn.releaseDay());
        String[] moneyArgs = RedisMoney.args(token, usage, turn);
        List<CompletableFuture<List<Object>>> answers = new ArrayList<>();
        return redis.pipelineAsync(r -> {
            answers.clear();
            List<RedisFuture<List<Object>>> sent = new ArrayList<>();
            if (sessionId == null) {
                // A session's receipt was made with the token's facts when it opened; a request's may be new.
                sent.add(NOTE.runAsync(r, ScriptOutputType.MULTI, new String[] {receiptKey(token.id())}, facts));
            }
            sent.add(ADD.runAsync(r, ScriptOutputType.MULTI, new String[] {receiptKey(token.id())},
                    SessionFields.addArgs("keep", RECEIPT_RETENTION, usage, reservation)));
            sent.add(RedisMoney.SCRIPT.runAsync(r, ScriptOutputType.MULTI, moneyKeys, moneyArgs));
            if (sessionId != null) {
                sent.add(ADD.runAsync(r, ScriptOutputType.MULTI, new String[] {liveKey(sessionId)},
                        SessionFields.addArgs("live", Duration.ZERO, usage)));
            }
            sent.forEach(f -> answers.add(f.toCompletableFuture()));
            return sent;
        }).thenApply(done -> {
            // Every answer is in (the pipeline completed): join() does not wait.
            int first = sessionId == null ? 1 : 0;
            List<Object> session = sessionId == null ? null : answers.get(2).join();
            String end = session == null || session.size() <= Usage.FIELDS.length ? null
                    : TokenFields.text(session.get(Usage.FIELDS.length));
            long granted = money.answer(answers.get(first + 1).join(), token.keyId(), day);
            return new Added(SessionFields.counts(answers.get(first).join()), EndRequests.read(end), granted);
        });
    }

    @Override
    public CompletionStage<Long> reserveMoney(TokenFacts token, MoneyTurn turn, LocalDate day) {
        return money.reserve(token, turn, day);
    }

    @Override
    public CompletionStage<List<String>> keysUsing(LocalDate day) {
        return money.keysUsing(day);
    }

    @Override
    public CompletionStage<List<GroupUsage>> dayGroups(String keyId, LocalDate day) {
        return money.dayGroups(keyId, day);
    }

    @Override
    public CompletionStage<Void> close(LiveSession session, String reason, long closedAt) {
        String[] note = SessionFields.noteArgs(Map.of(), Map.of("s:" + session.id(), summaries.closed(session, reason,
                closedAt)));
        return redis.pipelineAsync(r -> List.of(
                r.del(liveKey(session.id())),
                r.zrem(RedisReplicas.sessionsOf(replicas.id()), session.id()),
                NOTE.runAsync(r, ScriptOutputType.MULTI, new String[] {receiptKey(session.tokenId())}, note)));
    }

    @Override
    public CompletionStage<Boolean> requestEnd(String sessionId, String reason) {
        String request = EndRequests.write(new EndRequest(reason, clock.instant()));
        return redis.<String>callAsync(r -> END.runAsync(r, ScriptOutputType.VALUE,
                new String[] {liveKey(sessionId)}, request)).thenCompose(replica -> replica == null
                        ? CompletableFuture.completedFuture(false)
                        // Told at once on the channel; addressed to its replica too, in case it misses the message.
                        : redis.pipelineAsync(r -> replica.isEmpty()
                                ? List.of(r.publish(END_CHANNEL, sessionId + " " + request))
                                : List.of(r.publish(END_CHANNEL, sessionId + " " + request),
                                        replicas.askEnd(r, replica, sessionId, request, ENDS_KEPT)))
                                .thenApply(told -> true));
    }

    @Override
    public CompletionStage<Integer> revoked(TokenFacts token, long at, String reason) {
        Map<String, String> once = new LinkedHashMap<>(SessionFields.facts(token));
        once.put("revoked_at", Long.toString(at));
        once.put("revoke_reason", reason);
        return redis.<List<Object>>callAsync(r -> NOTE.runAsync(r, ScriptOutputType.MULTI,
                new String[] {receiptKey(token.id())}, SessionFields.noteArgs(once, Map.of()))).thenCompose(flat -> {
                    List<CompletableFuture<Boolean>> asked = new ArrayList<>();
                    for (Receipt.SessionSummary s : summaries.of(TokenFields.fromFlat(flat, 0))) {
                        if ("live".equals(s.state())) {
                            asked.add(requestEnd(s.id(), reason).toCompletableFuture());
                        }
                    }
                    return CompletableFuture.allOf(asked.toArray(CompletableFuture[]::new)).thenApply(all ->
                            (int) asked.stream().filter(CompletableFuture::join).count());
                });
    }

    @Override
    public CompletionStage<List<LiveSession>> live(@Nullable String keyId) {
        CompletionStage<List<String>> listed = keyId == null ? replicas.sessionIds(LIST_LIMIT)
                : redis.<List<String>>callAsync(r -> r.zrange(RedisRateLimiter.sessions(keyId), 0, LIST_LIMIT - 1));
        return listed.thenCompose(ids ->
                RedisEach.<Map<String, String>>of(redis, ids, (r, id) -> r.hgetall(liveKey(id))).thenApply(each ->
                        // A place whose session is not (or no longer) registered has no entry: it is left out, and
                        // left to its lease.
                        each.stream().filter(fields -> !fields.isEmpty()).map(SessionFields::from)
                                .sorted(Comparator.comparingLong(LiveSession::openedAt)).toList()));
    }

    @Override
    public CompletionStage<Optional<LiveSession>> find(String sessionId) {
        return redis.<Map<String, String>>callAsync(r -> r.hgetall(liveKey(sessionId))).thenApply(fields ->
                fields.isEmpty() ? Optional.empty() : Optional.of(SessionFields.from(fields)));
    }

    @Override
    public CompletionStage<Optional<Receipt>> receipt(String tokenId, long now) {
        return redis.<Map<String, String>>callAsync(r -> r.hgetall(receiptKey(tokenId))).thenApply(fields ->
                fields.isEmpty() ? Optional.empty()
                        : Optional.of(SessionFields.receipt(tokenId, fields, summaries.of(fields), now)));
    }

    @Override
    public CompletionStage<Optional<Long>> reserve(String tokenId, @Nullable Long maxTotalTokens,
            @Nullable Long maxResponses) {
        String[] args = {maxTotalTokens == null ? "" : maxTotalTokens.toString(),
            maxResponses == null ? "" : maxResponses.toString(), Long.toString(RECEIPT_RETENTION.toMillis())};
        return redis.<Long>callAsync(r -> RESERVE.runAsync(r, ScriptOutputType.INTEGER,
                new String[] {receiptKey(tokenId)}, args)).thenApply(cap -> cap < 0 ? Optional.empty()
                        : Optional.of(cap));
    }

    @Override
    public CompletionStage<Void> settle(TokenFacts token, long reservedTokens, Usage usage, LocalDate day,
            MoneyTurn turn) {
        return add(null, token, usage, day, turn, new long[] {-reservedTokens, -1}).thenApply(added -> null);
    }

    @Override
    public CompletionStage<Usage> usage(String tokenId) {
        return redis.<List<KeyValue<String, String>>>callAsync(r -> r.hmget(receiptKey(tokenId),
                Usage.FIELDS)).thenApply(values -> {
                    Map<String, String> named = new LinkedHashMap<>();
                    values.forEach(kv -> kv.ifHasValue(v -> named.put(kv.getKey(), v)));
                    return Usage.of(named);
                });
    }

    @Override
    public CompletionStage<Usage> day(String keyId, LocalDate day) {
        return redis.<Map<String, String>>callAsync(r -> r.hgetall(RedisMoney.dayKey(keyId, day))).thenApply(Usage::of);
    }

    @Override
    public void onEndRequested(BiConsumer<String, EndRequest> listener) {
        redis.subscribe(END_CHANNEL, message -> {
            int space = message.indexOf(' ');
            EndRequest request = space > 0 ? EndRequests.read(message.substring(space + 1)) : null;
            if (request != null) {
                listener.accept(message.substring(0, space), request);
            }
        });
    }
}
