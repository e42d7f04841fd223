package dev.ephemera.relay.http;

import dev.ephemera.error.BrokerException;
import dev.ephemera.error.ErrorCode;
import dev.ephemera.relay.event.HiddenInput;
import dev.ephemera.relay.event.OutputBudget;
import dev.ephemera.json.StrictJson;
import dev.ephemera.pricing.Price;
import dev.ephemera.pricing.Pricing;
import dev.ephemera.relay.MoneyPurse;
import dev.ephemera.relay.Redeemer;
import dev.ephemera.session.MoneyTurn;
import dev.ephemera.session.Spending;
import dev.ephemera.session.TokenFacts;
import dev.ephemera.session.Usage;
import dev.ephemera.token.RedeemedToken;
import dev.ephemera.token.UsageLimits;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.MutableHttpRequest;
import io.micronaut.http.body.CloseableAvailableByteBody;
import io.micronaut.http.netty.body.AvailableNettyByteBody;
import io.netty.buffer.Unpooled;
import jakarta.inject.Singleton;
import java.time.LocalDate;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The HTTP relay's side of a token's limits and usage (SPEC §7, §11): a request of a limited token reserves what is
 * left of its budget in the store before it goes on ({@link Grant}; parallel requests on any replica find it
 * reserved), its output is capped at the reservation, and when its answer ends the usage it reported is counted on
 * the token, its key and the day, and the reservation given back. An answer that reported no usage is counted at its
 * cap: what cannot be measured is taken as spent. Under a money limit the request also holds money before its use
 * is taken ({@link #money}): its input (each byte of its body a token at the text price, {@link MoneyPurse#body})
 * and its output cap at the highest output price; settled at its cost when it ends.
 */
@Singleton
final class HttpBudget {

    /** The output a request that names none is reserved for under a money limit, per choice. */
    static final long DEFAULT_OUTPUT = 32_768;

    private final Spending sessions;
    private final Pricing pricing;

    /** Whether the broker knows {@code model} of {@code provider}: it has a price for it. */
    boolean knows(String provider, String model) {
        return pricing.price(provider, model).isPresent();
    }

    HttpBudget(Spending sessions, Pricing pricing) {
        this.sessions = sessions;
        this.pricing = pricing;
    }

    /** Money a request holds: how much, reserved on which day, what its input costs at most, at which prices. */
    record Held(TokenFacts owner, UsageLimits limits, @Nullable String model, Price price, long granted,
            LocalDate day, long input) {

        /** The output tokens what is held pays for once the input is paid. */
        long outputTokens() {
            return price.tokensFor(granted - input);
        }

        MoneyTurn settled() {
            return new MoneyTurn(limits, model, granted, day, 0, 0);
        }
    }

    /**
     * The reservation a request of a token under a money limit makes before the token's use is taken: its model must
     * be priced (else {@code 403 usage_not_measurable}, unless the operator prices the unpriced at nothing) and its
     * body measurable; what is left under the token's, its key's and its subject's limits must pay for its input and
     * one output token per choice (else {@code 429 quota_exceeded}); up to its input and its asked (or a default)
     * output is reserved into {@code held}. A refusal after it gives it back.
     */
    Redeemer.Reservation money(RelayedBody body, @Nullable String model, long choices,
            AtomicReference<Held> held) {
        return token -> {
            UsageLimits limits = token.limits();
            if (!limits.hasMoney()) {
                return CompletableFuture.completedFuture(() -> { });
            }
            String priced = token.model() != null ? token.model() : model;
            Price price = pricing.price(token.provider(), priced).orElse(null);
            if (price == null || !body.measurable()) {
                return pricing.refusesUnpriced() || !body.measurable()
                        ? CompletableFuture.failedFuture(new BrokerException(ErrorCode.USAGE_NOT_MEASURABLE,
                                price == null ? "This token has a money limit, and this model has no price here."
                                        : "This token has a money limit, and this request's usage cannot be "
                                                + "measured and capped."))
                        : CompletableFuture.completedFuture(() -> { });
            }
            String hidden = HiddenInput.find(body.json()).orElse(null);
            if (hidden != null) {
                return CompletableFuture.failedFuture(new BrokerException(ErrorCode.USAGE_NOT_MEASURABLE, "This token "
                        + "has a money limit, and this request brings the provider input or work the broker cannot "
                        + "see (stored state, a URL, a hosted tool), so its cost cannot be held to it.", hidden));
            }
            long input = MoneyPurse.body(price, body.size());
            long asked = body.json() == null ? 0 : OutputCap.asked(body.json());
            long wanted = (asked > 0 ? asked : DEFAULT_OUTPUT * choices);
            LocalDate day = sessions.today();
            TokenFacts owner = TokenFacts.of(token);
            return sessions.turn(owner, new MoneyTurn(limits, priced, 0, day,
                    input + MoneyPurse.output(price, choices), input + MoneyPurse.output(price, wanted)))
                    .thenApply(granted -> {
                        if (granted < 0) {
                            throw new BrokerException(ErrorCode.QUOTA_EXCEEDED, "The money this token may spend "
                                    + "is used up, or cannot pay for this request's input (its own limit, its "
                                    + "key's or its subject's budget).");
                        }
                        Held money = new Held(owner, limits, priced, price, granted, day, input);
                        held.set(money);
                        return () -> sessions.turn(owner, money.settled());
                    });
        };
    }

    /**
     * One relayed request's share of its token's budget: {@code cap} output tokens (null: no limit of tokens), and
     * the settling of its usage, once, however the request ends.
     */
    final class Grant {
        private final RedeemedToken token;
        private final boolean reserved;
        @Nullable
        private final Long cap;
        @Nullable
        private final Held money;
        private final AtomicBoolean settled = new AtomicBoolean();

        private Grant(RedeemedToken token, boolean reserved, @Nullable Long cap, @Nullable Held money) {
            this.token = token;
            this.reserved = reserved;
            this.money = money;
            this.cap = money == null ? cap : Long.valueOf(cap == null ? money.outputTokens()
                    : Math.min(cap, money.outputTokens()));
        }

        @Nullable
        Long cap() {
            return cap;
        }

        /**
         * The answer ended having reported {@code usage} (null: none), priced at the request's model; without a
         * report, a request holding money is counted at all it held.
         */
        void counted(@Nullable Usage usage, @Nullable String model) {
            if (!settled.compareAndSet(false, true)) {
                return;
            }
            long tokens = reservedTokens();
            Usage spent = usage != null ? usage : reserved || money != null
                    ? Usage.ofResponse(0, tokens, tokens, 0, 0, 0) : null;
            String priced = money != null ? money.model() : model != null ? model : token.model();
            Price price = money != null ? money.price() : pricing.price(token.provider(), priced).orElse(null);
            if (spent != null && price != null) {
                spent = spent.costing(usage == null && money != null ? money.granted() : price.cost(spent));
            }
            MoneyTurn turn = money != null ? money.settled() : MoneyTurn.count(token.limits(), priced);
            if (reserved || money != null) {
                sessions.settle(token, reserved ? tokens : 0, spent == null ? Usage.NONE : spent, turn);
            } else if (spent != null) {
                sessions.add(token, spent, priced);
            }
        }

        /** The request failed or was refused before the provider produced anything: nothing is counted. */
        void refunded() {
            if (settled.compareAndSet(false, true) && (reserved || money != null)) {
                sessions.settle(token, reserved ? reservedTokens() : 0, Usage.NONE,
                        money != null ? money.settled() : MoneyTurn.count(token.limits(), null));
            }
        }

        private long reservedTokens() {
            return cap == null ? 0 : cap;
        }
    }

    /**
     * The share of the token's budget this request may use, reserved in the store for a token with limits (of
     * tokens or responses). Refused with {@code 429 quota_exceeded} when nothing is left once the requests
     * outstanding used their caps, or when the responses done and outstanding reach the limit.
     */
    CompletionStage<Grant> reserve(RedeemedToken token, long choices, @Nullable Held money) {
        UsageLimits limits = token.limits();
        if (limits.maxTotalTokens() == null && limits.maxResponses() == null) {
            Grant grant = new Grant(token, false, null, money);
            return CompletableFuture.completedFuture(checked(grant, choices));
        }
        return sessions.reserve(token.id(), limits.maxTotalTokens(), limits.maxResponses()).thenApply(cap -> {
            if (cap.isEmpty()) {
                throw new BrokerException(ErrorCode.QUOTA_EXCEEDED, "This token's usage limit is reached, or would "
                        + "be by the requests still outstanding; retry when they are done, or mint another.");
            }
            return checked(new Grant(token, true, limits.maxTotalTokens() == null ? null : cap.get(), money),
                    choices);
        });
    }

    /** A grant whose cap covers a token for each choice; else given back and refused. */
    private static Grant checked(Grant grant, long choices) {
        if (grant.cap() != null && grant.cap() / Math.max(1, choices) < 1) {
            grant.refunded();
            throw new BrokerException(ErrorCode.QUOTA_EXCEEDED, "What is left of this token's usage limit "
                    + "cannot cover one token for each choice asked for ('n').");
        }
        return grant;
    }

    /**
     * The body to send instead of the client's: its output capped at {@code cap} ({@link OutputCap}), its stream
     * asked for usage ({@link StreamUsageOption}), {@code request}'s {@code Content-Length} set to match; empty when
     * it goes as it came.
     */
    static Optional<CloseableAvailableByteBody> rewritten(String provider, String path, MutableHttpRequest<?> request,
            RelayedBody body, @Nullable Long cap) {
        if (body.json() == null) {
            return Optional.empty();
        }
        Map<String, Object> edited = OutputBudget.copy(body.json());
        boolean changed = cap != null && OutputCap.cap(provider, path, edited, cap);
        changed |= StreamUsageOption.applies(provider, path) && StreamUsageOption.ask(edited);
        if (!changed) {
            return Optional.empty();
        }
        byte[] rewritten = StrictJson.write(edited);
        request.getHeaders().set(HttpHeaders.CONTENT_LENGTH, Integer.toString(rewritten.length));
        return Optional.of(new AvailableNettyByteBody(Unpooled.wrappedBuffer(rewritten)));
    }
}
