package dev.ephemera.relay;

import dev.ephemera.error.BrokerException;
import dev.ephemera.error.ErrorCode;
import dev.ephemera.ratelimit.SessionPlaces;
import dev.ephemera.secret.Secrets;
import dev.ephemera.pricing.Price;
import dev.ephemera.pricing.Pricing;
import dev.ephemera.session.MoneyTurn;
import dev.ephemera.session.Spending;
import dev.ephemera.session.TokenFacts;
import dev.ephemera.session.Usage;
import dev.ephemera.token.Binding;
import dev.ephemera.token.Presented;
import dev.ephemera.token.RedeemedToken;
import dev.ephemera.token.UsageLimits;
import dev.ephemera.web.AllowedOrigins;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import jakarta.inject.Singleton;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The admission of a live session, whatever carries it (the realtime WebSocket, a WebRTC call, a GPT-Live session),
 * through the relays' one redemption path ({@link Redeemer}): every check that can refuse runs before the token's
 * use is taken. The replica's place is taken first (refusing while draining or at capacity costs no store call);
 * then the token is looked at, the page's origin must be allowed, the transport's own check must pass, a limited
 * token's usage so far is read (a spent one is refused) and the minting key's session place is taken (where it is
 * free); then the use is taken where the token matches the request's {@link Binding}: three round trips to the
 * store in sequence (look, place, use), four for a limited token. A refusal gives every place back.
 */
@Singleton
public final class SessionAdmission {

    /**
     * An admitted session: its token and the provider's credentials, its id, what it had used before (all the
     * token's sessions and requests, for its limits), what gives its places back (idempotent), its model's prices
     * (null: not priced) and, under a money limit, the money it holds ({@link MoneyPurse}).
     */
    public record Admitted(RedeemedToken token, Map<String, String> upstreamHeaders, String sessionId, Runnable release,
            Usage usedBefore, @Nullable Price price, @Nullable MoneyPurse purse) {
    }

    private final Redeemer redeemer;
    private final AllowedOrigins origins;
    private final SessionPlaces places;
    private final RelayConfiguration relay;
    private final RelayCapacity capacity;
    private final Drain drain;
    private final Spending spending;
    private final Pricing pricing;

    public SessionAdmission(Redeemer redeemer, AllowedOrigins origins, SessionPlaces places, RelayConfiguration relay,
            RelayCapacity capacity, Drain drain, Spending spending, Pricing pricing) {
        this.redeemer = redeemer;
        this.origins = origins;
        this.places = places;
        this.relay = relay;
        this.capacity = capacity;
        this.drain = drain;
        this.spending = spending;
        this.pricing = pricing;
    }

    /**
     * Admits the session {@code request} asks for with its token, matched to {@code binding}, by {@code actor} (for
     * the audit log); {@code transport} is the carrier's own check of the token, run before any place is taken. The
     * stage fails with the {@code BrokerException} that refused; the draining and capacity refusals are thrown.
     */
    public CompletionStage<Admitted> admit(HttpRequest<?> request, Binding binding, String actor,
            Redeemer.Reservation transport) {
        String token = RelayCredentials.token(request);
        drain.admit();
        Runnable replicaPlace = capacity.take();
        String sessionId = "ses_" + Secrets.randomBase62(24);
        AtomicReference<Usage> used = new AtomicReference<>(Usage.NONE);
        AtomicReference<MoneyPurse> purse = new AtomicReference<>();
        return redeemer.redeem(request, token, binding, actor, peek -> {
            String origin = request.getHeaders().get(HttpHeaders.ORIGIN);
            // A page outside the allow-list may still use a token minted for exactly its origin.
            if (origin != null && !origins.allows(origin)
                    && !(binding.origin() instanceof Presented.Value v && v.value().equals(peek.origin()))) {
                return CompletableFuture.failedFuture(new BrokerException(ErrorCode.ORIGIN_NOT_ALLOWED,
                        "Sessions from this origin are not allowed."));
            }
            AtomicBoolean released = new AtomicBoolean();
            Runnable place = () -> {
                if (released.compareAndSet(false, true)) {
                    places.giveBack(peek.keyId(), sessionId);
                }
            };
            // The usage so far first, then the key's place: a spent token never holds a place, not even for a moment
            // (asked at once, a burst of spent tokens kept a key's other sessions out). Unlimited tokens read none.
            return transport.reserve(peek)
                    .thenCompose(none -> usedBefore(peek, used))
                    .thenCompose(none -> money(peek, binding, purse))
                    .thenCompose(ok -> places.take(peek.keyId(), sessionId, relay.sessionLease()))
                    .thenApply(taken -> place);
        }).handle((redeemed, refused) -> {
            if (refused != null) {
                replicaPlace.run();
                giveBack(purse.get());
                throw refused instanceof CompletionException c ? c : new CompletionException(refused);
            }
            AtomicBoolean released = new AtomicBoolean();
            Runnable release = () -> {
                if (released.compareAndSet(false, true)) {
                    redeemed.release().run();
                    replicaPlace.run();
                }
            };
            MoneyPurse money = purse.get();
            return new Admitted(redeemed.token(), redeemed.upstreamHeaders(), sessionId, release, used.get(),
                    money != null ? money.price() : pricing.price(redeemed.token().provider(),
                            model(redeemed.token(), binding)).orElse(null), money);
        });
    }

    /**
     * A token's limits hold for all its sessions together (SPEC §11): a limited token's usage so far is read before
     * its use is taken, so that the session starts from it ({@code used}), and a token already spent is refused
     * ({@code 429 quota_exceeded}) without a use.
     */
    private CompletionStage<Void> usedBefore(RedeemedToken token, AtomicReference<Usage> used) {
        UsageLimits limits = token.limits();
        if (limits.maxTotalTokens() == null && limits.maxResponses() == null) {
            return CompletableFuture.completedFuture(null);
        }
        return spending.tokenUsage(token.id()).thenAccept(usage -> {
            if (limits.maxTotalTokens() != null && usage.totalTokens() >= limits.maxTotalTokens()
                    || limits.maxResponses() != null && usage.responses() >= limits.maxResponses()) {
                throw new BrokerException(ErrorCode.QUOTA_EXCEEDED, "This token's usage limit is reached; mint "
                        + "another.");
            }
            used.set(usage);
        });
    }

    /**
     * A token under a money limit holds money before its use is taken (SPEC §11): its model must be priced (else
     * {@code 403 usage_not_measurable}, unless the operator prices the unpriced at nothing), and what is left under
     * the token's, its key's and its subject's limits must pay for at least one response's first output token
     * (else {@code 429 quota_exceeded}); up to a full response is reserved for the session ({@link MoneyPurse}).
     */
    private CompletionStage<Void> money(RedeemedToken token, Binding binding, AtomicReference<MoneyPurse> purse) {
        UsageLimits limits = token.limits();
        if (!limits.hasMoney()) {
            return CompletableFuture.completedFuture(null);
        }
        String model = model(token, binding);
        Price price = pricing.price(token.provider(), model).orElse(null);
        if (price == null) {
            return pricing.refusesUnpriced() ? CompletableFuture.failedFuture(new BrokerException(
                    ErrorCode.USAGE_NOT_MEASURABLE, "This token has a money limit, and its model has no price here."))
                    : CompletableFuture.completedFuture(null);
        }
        java.time.LocalDate day = spending.today();
        MoneyTurn first = new MoneyTurn(limits, model, 0, day, MoneyPurse.need(price, 0),
                MoneyPurse.target(price, 0));
        TokenFacts owner = TokenFacts.of(token);
        return spending.turn(owner, first).thenAccept(granted -> {
            if (granted < 0) {
                throw new BrokerException(ErrorCode.QUOTA_EXCEEDED, "The money this token may spend is used up "
                        + "(its own limit, its key's or its subject's budget).");
            }
            purse.set(new MoneyPurse(owner, price, limits, model, granted, day));
        });
    }

    /** The model a session uses: the token's, or the one the request names for a token bound to none. */
    @Nullable
    private static String model(RedeemedToken token, Binding binding) {
        return token.model() != null ? token.model()
                : binding.model() instanceof Presented.Value v ? v.value() : null;
    }

    /** A refused admission gives back the money it had reserved. */
    private void giveBack(@Nullable MoneyPurse purse) {
        MoneyTurn all = purse == null ? null : purse.closing();
        if (all != null) {
            spending.turn(purse.owner(), all);
        }
    }
}
