package dev.ephemera.token;

import dev.ephemera.audit.AuditLog;
import dev.ephemera.audit.BrokerEvent;
import dev.ephemera.error.BrokerException;
import dev.ephemera.error.ErrorCode;
import dev.ephemera.metrics.BrokerMetrics;
import dev.ephemera.token.Redemption.Outcome;
import dev.ephemera.trace.GenAi;
import dev.ephemera.trace.Spans;
import dev.ephemera.trace.Tracing;
import io.micronaut.core.annotation.Nullable;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Looks tokens up (RFC 7662) and takes their uses, each in one atomic store operation where the token matches the
 * redeemer's {@link Binding}; every outcome is audited and counted.
 */
@Singleton
public final class TokenRedeemer {

    private final TokenStore store;
    private final TokenStrategy strategy;
    private final AuditLog audit;
    private final BrokerMetrics metrics;
    private final Clock clock;
    private final Tracing tracing;

    TokenRedeemer(TokenStore store, TokenStrategy strategy, AuditLog audit, BrokerMetrics metrics, Clock clock,
            Tracing tracing) {
        this.tracing = tracing;
        this.store = store;
        this.strategy = strategy;
        this.audit = audit;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** {@code token} as presented, read once (see {@link TokenStrategy#read}); pass it to the steps below. */
    public PresentedToken present(@Nullable String token) {
        return strategy.read(token);
    }

    /**
     * What the store knows of {@code token} as it stands, or empty when it is unknown, malformed, expired, used up
     * or revoked. Consumes nothing; the stage fails only with {@code store_unavailable}.
     */
    public CompletionStage<Optional<RedeemedToken>> look(PresentedToken token) {
        try {
            Optional<String> hash = token.hash();
            if (hash.isEmpty()) {
                return CompletableFuture.completedFuture(Optional.empty());
            }
            return store.find(hash.get()).thenApply(record -> record
                    .filter(r -> !r.expiredAt(clock.instant()) && r.usesLeft() > 0)
                    .map(r -> describe(r, token)));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Takes one use of {@code token} where it is presented with {@code expected} bindings, by {@code actor} for a
     * client at {@code clientAddress} (both for the audit log). The stage fails with {@code invalid_token}
     * (unknown, malformed, revoked, or bound to another provider or model), {@code expired_token},
     * {@code token_already_used}, {@code origin_not_allowed}, {@code model_not_allowed},
     * {@code endpoint_not_allowed}, {@code usage_not_measurable} or {@code store_unavailable}.
     */
    public CompletionStage<RedeemedToken> consume(PresentedToken token, Binding expected, String actor,
            @Nullable String clientAddress) {
        try {
            Instant started = Instant.now();
            Optional<String> hash = token.hash();
            if (hash.isEmpty()) {
                BrokerException refused = invalidToken();
                Spans.end(tracing.start("redeem", SpanKind.INTERNAL, tracing.carried(null), started), refused);
                throw refused;
            }
            return store.consume(hash.get(), expected, clock.instant())
                    .thenApply(redemption -> {
                        // The token's record names its trace (its mint's span) only once the store has answered.
                        TokenRecord record = redemption.record();
                        Span span = tracing.start("redeem", SpanKind.INTERNAL,
                                tracing.carried(record == null ? null : record.traceParent()), started);
                        try {
                            RedeemedToken redeemed = redeemed(redemption, token, actor, clientAddress, span);
                            Spans.end(span, null);
                            return redeemed;
                        } catch (RuntimeException refused) {
                            Spans.end(span, refused);
                            throw refused;
                        }
                    });
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private RedeemedToken redeemed(Redemption redemption, PresentedToken token, String actor,
            @Nullable String clientAddress, Span span) {
        TokenRecord record = redemption.record();
        if (record != null) {
            span.setAttribute(GenAi.TOKEN_ID, record.id());
            GenAi.provider(span, record.provider(), record.model());
        }
        if (redemption.outcome() == Outcome.REDEEMED) {
            audit.record(new BrokerEvent.TokenRedeemed(actor, record.id(), record.keyId(), record.usesLeft(),
                    record.provider(), record.model(), clientAddress), span.getSpanContext());
            metrics.redeemed(record.provider());
            return describe(record, token);
        }
        audit.record(new BrokerEvent.TokenRejected(actor, record == null ? null : record.id(),
                redemption.outcome().name().toLowerCase(java.util.Locale.ROOT),
                redemption.mismatch() == null ? null : redemption.mismatch().wireName(), clientAddress),
                span.getSpanContext());
        throw switch (redemption.outcome()) {
            case EXPIRED -> new BrokerException(ErrorCode.EXPIRED_TOKEN,
                    "This token has expired; fetch a new one.");
            case USED_UP -> new BrokerException(ErrorCode.TOKEN_ALREADY_USED,
                    "This token has been used up; fetch a new one for each session.");
            case MISMATCH -> switch (redemption.mismatch()) {
                case PROVIDER -> new BrokerException(ErrorCode.INVALID_TOKEN,
                        "This token was minted for another provider.");
                case ORIGIN -> new BrokerException(ErrorCode.ORIGIN_NOT_ALLOWED,
                        "This token is bound to another origin.");
                case MODEL -> new BrokerException(ErrorCode.MODEL_NOT_ALLOWED,
                        "This token is bound to one model; the request must name it ('model').", "model");
                case ENDPOINT -> new BrokerException(ErrorCode.ENDPOINT_NOT_ALLOWED,
                        "This token may not reach this endpoint of the provider.");
                case USAGE -> new BrokerException(ErrorCode.USAGE_NOT_MEASURABLE, "This token has usage limits, "
                        + "and the broker cannot read or cap this request's usage: send a JSON body (not compressed) "
                        + "to an endpoint whose output the broker caps.");
            };
            default -> invalidToken();
        };
    }

    private static RedeemedToken describe(TokenRecord r, PresentedToken token) {
        return new RedeemedToken(r.id(), r.keyId(), r.subject(), r.provider(), r.model(), r.origin(), r.format(),
                r.mode(), r.maxUses(), r.usesLeft(), r.issuedAt(), r.expiresAt(), token.config(r.sessionJson()),
                r.lockedFields(), r.maxSessionSeconds(), r.limits(), r.traceParent());
    }

    private static BrokerException invalidToken() {
        return new BrokerException(ErrorCode.INVALID_TOKEN, "This token is not valid; fetch a new one.");
    }
}
