package dev.ephemera.store.memory;

import dev.ephemera.session.EndRequest;
import dev.ephemera.session.LiveSession;
import dev.ephemera.session.Receipt;
import dev.ephemera.session.SessionStore;
import dev.ephemera.session.TokenFacts;
import dev.ephemera.session.MoneyTurn;
import dev.ephemera.session.Usage;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.scheduling.annotation.Scheduled;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;

/** Live sessions, receipts and daily usage of a single broker, in maps; every change is one atomic map update. */
@Singleton
final class InMemorySessionStore implements SessionStore {

    /** A live session, its lease, and why it was asked to end. */
    private record Live(LiveSession session, Instant leaseEnds, @Nullable EndRequest end) {
    }

    /** A receipt as it is kept: the token's facts, when it was revoked, its sessions and their usage. */
    private record Kept(TokenFacts token, @Nullable Long revokedAt, Map<String, Receipt.SessionSummary> sessions,
            Usage usage, Instant keptUntil) {
    }

    private final Clock clock;
    private final Map<String, Live> live = new ConcurrentHashMap<>();
    private final Map<String, Kept> receipts = new ConcurrentHashMap<>();
    private final Map<String, Usage> days = new ConcurrentHashMap<>();
    private final Map<String, String> revokeReasons = new ConcurrentHashMap<>();
    /** Token id -> its requests' reservations: {tokens, responses}. */
    private final Map<String, long[]> reserved = new ConcurrentHashMap<>();
    private final List<BiConsumer<String, EndRequest>> listeners = new CopyOnWriteArrayList<>();
    private final InMemoryMoney money = new InMemoryMoney();

    InMemorySessionStore(Clock clock) {
        this.clock = clock;
    }

    @Override
    public CompletionStage<Optional<String>> open(LiveSession session, TokenFacts token, Duration lease) {
        live.put(session.id(), new Live(session, clock.instant().plus(lease), null));
        Kept kept = note(token, null, new Receipt.SessionSummary(session.id(), "live", session.openedAt(), null,
                null, Usage.NONE), Usage.NONE);
        return done(kept.revokedAt() == null ? Optional.empty()
                : Optional.of(revokeReasons.getOrDefault(token.id(), "token_revoked")));
    }

    private Kept note(TokenFacts token, @Nullable Long revokedAt, Receipt.@Nullable SessionSummary summary,
            Usage usage) {
        Instant until = clock.instant().plus(RECEIPT_RETENTION);
        return receipts.compute(token.id(), (id, kept) -> {
            Kept base = kept == null || kept.keptUntil().isBefore(clock.instant())
                    ? new Kept(token, null, Map.of(), Usage.NONE, until) : kept;
            Map<String, Receipt.SessionSummary> sessions = new LinkedHashMap<>(base.sessions());
            if (summary != null) {
                sessions.put(summary.id(), summary);
            }
            // The token's facts are kept from the first write; its uses left are the latest session's, as in Redis.
            TokenFacts facts = summary == null ? base.token() : withUsesLeft(base.token(), token.usesLeft());
            return new Kept(facts, base.revokedAt() != null ? base.revokedAt() : revokedAt, sessions,
                    base.usage().plus(usage), until);
        });
    }

    private static TokenFacts withUsesLeft(TokenFacts t, int usesLeft) {
        return new TokenFacts(t.id(), t.keyId(), t.provider(), t.model(), t.subject(), t.origin(), t.format(),
                t.maxUses(), usesLeft, t.issuedAt(), t.expiresAt());
    }

    @Override
    public CompletionStage<Map<String, EndRequest>> renew(Collection<String> sessionIds, Duration lease) {
        Map<String, EndRequest> asked = new LinkedHashMap<>();
        Instant at = clock.instant();
        Instant until = at.plus(lease);
        for (String id : sessionIds) {
            // A session whose lease ran out is gone, as in Redis: a renewal does not bring it back.
            Live renewed = live.computeIfPresent(id, (k, l) -> l.leaseEnds().isAfter(at)
                    ? new Live(l.session(), until, l.end()) : null);
            if (renewed != null && renewed.end() != null) {
                asked.put(id, renewed.end());
            }
        }
        return done(asked);
    }

    @Override
    public CompletionStage<Added> add(@Nullable String sessionId, TokenFacts token, Usage usage, LocalDate day,
            MoneyTurn turn) {
        Kept kept = note(token, null, null, usage);
        long granted = money.turn(token, usage, turn, day);
        days.merge(token.keyId() + " " + day, usage, Usage::plus);
        EndRequest end = null;
        if (sessionId != null) {
            Live now = live.computeIfPresent(sessionId, (k, l) -> new Live(l.session().withUsage(
                    l.session().usage().plus(usage)), l.leaseEnds(), l.end()));
            end = now == null ? null : now.end();
        }
        return done(new Added(kept.usage(), end, granted));
    }

    @Override
    public CompletionStage<Void> close(LiveSession session, String reason, long closedAt) {
        live.remove(session.id());
        receipts.computeIfPresent(session.tokenId(), (id, kept) -> {
            Map<String, Receipt.SessionSummary> sessions = new LinkedHashMap<>(kept.sessions());
            sessions.put(session.id(), new Receipt.SessionSummary(session.id(), "closed", session.openedAt(),
                    closedAt, reason, session.usage()));
            return new Kept(kept.token(), kept.revokedAt(), sessions, kept.usage(),
                    clock.instant().plus(RECEIPT_RETENTION));
        });
        return done(null);
    }

    @Override
    public CompletionStage<Boolean> requestEnd(String sessionId, String reason) {
        EndRequest request = new EndRequest(reason, clock.instant());
        Live asked = live.computeIfPresent(sessionId, (k, l) -> l.leaseEnds().isBefore(clock.instant()) ? null
                : new Live(l.session(), l.leaseEnds(), l.end() != null ? l.end() : request));
        if (asked == null) {
            return done(false);
        }
        listeners.forEach(listener -> listener.accept(sessionId, request));
        return done(true);
    }

    @Override
    public CompletionStage<Integer> revoked(TokenFacts token, long at, String reason) {
        revokeReasons.putIfAbsent(token.id(), reason);
        Kept kept = note(token, at, null, Usage.NONE);
        int asked = 0;
        for (Receipt.SessionSummary s : kept.sessions().values()) {
            if ("live".equals(s.state()) && requestEnd(s.id(), reason).toCompletableFuture().join()) {
                asked++;
            }
        }
        return done(asked);
    }

    @Override
    public CompletionStage<List<LiveSession>> live(@Nullable String keyId) {
        Instant now = clock.instant();
        List<LiveSession> out = new ArrayList<>();
        for (Live l : live.values()) {
            if (l.leaseEnds().isAfter(now) && (keyId == null || keyId.equals(l.session().keyId()))) {
                out.add(l.session());
            }
        }
        out.sort(Comparator.comparingLong(LiveSession::openedAt).thenComparing(LiveSession::id));
        return done(out);
    }

    @Override
    public CompletionStage<Optional<LiveSession>> find(String sessionId) {
        return done(Optional.ofNullable(live.get(sessionId)).filter(l -> l.leaseEnds().isAfter(clock.instant()))
                .map(Live::session));
    }

    @Override
    public CompletionStage<Optional<Receipt>> receipt(String tokenId, long now) {
        Kept kept = receipts.get(tokenId);
        if (kept == null || kept.keptUntil().isBefore(clock.instant())) {
            return done(Optional.empty());
        }
        TokenFacts t = kept.token();
        long expiresAt = t.expiresAt().getEpochSecond();
        String state = kept.revokedAt() != null ? "revoked" : now >= expiresAt ? "expired"
                : t.usesLeft() == 0 ? "used_up" : "active";
        List<Receipt.SessionSummary> sessions = new ArrayList<>(kept.sessions().values());
        sessions.sort(Comparator.comparingLong(Receipt.SessionSummary::openedAt));
        return done(Optional.of(new Receipt(t.id(), state, t.keyId(), t.provider(), t.model(), t.subject(),
                t.origin(), t.format(), t.issuedAt().getEpochSecond(), expiresAt, t.maxUses(),
                t.maxUses() - t.usesLeft(), kept.revokedAt(), sessions, kept.usage())));
    }

    @Override
    public CompletionStage<Optional<Long>> reserve(String tokenId, @Nullable Long maxTotalTokens,
            @Nullable Long maxResponses) {
        long[] granted = {-1};
        reserved.compute(tokenId, (id, held) -> {
            long[] now = held == null ? new long[2] : held;
            Usage used = usage(tokenId).toCompletableFuture().join();
            if (maxResponses != null && used.responses() + now[1] >= maxResponses) {
                return held;
            }
            long cap = maxTotalTokens == null ? 0 : maxTotalTokens - used.totalTokens() - now[0];
            if (maxTotalTokens != null && cap <= 0) {
                return held;
            }
            granted[0] = cap;
            return new long[] {now[0] + cap, now[1] + 1};
        });
        return done(granted[0] < 0 ? Optional.empty() : Optional.of(granted[0]));
    }

    @Override
    public CompletionStage<Void> settle(TokenFacts token, long reservedTokens, Usage usage, LocalDate day,
            MoneyTurn turn) {
        if (!usage.isNone() || turn.release() > 0) {
            add(null, token, usage, day, turn);
        }
        reserved.computeIfPresent(token.id(), (id, held) -> held[1] <= 1 ? null
                : new long[] {held[0] - reservedTokens, held[1] - 1});
        return done(null);
    }

    @Override
    public CompletionStage<Usage> usage(String tokenId) {
        Kept kept = receipts.get(tokenId);
        return done(kept == null || kept.keptUntil().isBefore(clock.instant()) ? Usage.NONE : kept.usage());
    }

    @Override
    public CompletionStage<Usage> day(String keyId, LocalDate day) {
        return done(days.getOrDefault(keyId + " " + day, Usage.NONE));
    }

    @Override
    public CompletionStage<Long> reserveMoney(TokenFacts token, MoneyTurn turn, LocalDate day) {
        return done(money.turn(token, Usage.NONE, turn, day));
    }

    @Override
    public CompletionStage<List<String>> keysUsing(LocalDate day) {
        return done(money.keysUsing(day));
    }

    @Override
    public CompletionStage<List<GroupUsage>> dayGroups(String keyId, LocalDate day) {
        return done(money.dayGroups(keyId, day));
    }

    @Override
    public void onEndRequested(BiConsumer<String, EndRequest> listener) {
        listeners.add(listener);
    }

    /** Forgets what Redis would have let expire: sessions past their lease, receipts past their retention. */
    @Scheduled(fixedDelay = "60s")
    void sweep() {
        Instant now = clock.instant();
        live.values().removeIf(l -> l.leaseEnds().isBefore(now));
        receipts.values().removeIf(k -> k.keptUntil().isBefore(now));
        revokeReasons.keySet().removeIf(id -> !receipts.containsKey(id));
        LocalDate oldest = LocalDate.ofInstant(now.minus(USAGE_RETENTION), java.time.ZoneOffset.UTC);
        days.keySet().removeIf(key -> LocalDate.parse(key.substring(key.indexOf(' ') + 1)).isBefore(oldest));
        money.forgetBefore(oldest);
    }

    private static <T> CompletionStage<T> done(T value) {
        return CompletableFuture.completedFuture(value);
    }
}
