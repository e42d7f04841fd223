package dev.ephemera.token;

import dev.ephemera.audit.AuditLog;
import dev.ephemera.audit.BrokerEvent;
import dev.ephemera.error.BrokerException;
import dev.ephemera.error.ErrorCode;
import dev.ephemera.metrics.BrokerMetrics;
import dev.ephemera.token.Redemption.Outcome;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.time.Clock;
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
    private final TokenHashes hashes;
    private final AuditLog audit;
    private final BrokerMetrics metrics;
    private final JsonMapper json;
    private final Clock clock;

    TokenRedeemer(TokenStore store, TokenHashes hashes, AuditLog audit, BrokerMetrics metrics,
            JsonMapper json, Clock clock) {
        this.store = store;
        this.hashes = hashes;
        this.audit = audit;
        this.metrics = metrics;
        this.json = json;
        this.clock = clock;
    }

    /**
     * What the store knows of {@code token} as it stands, or empty when it is unknown, malformed, expired, used up
     * or revoked. Consumes nothing; the stage fails only with {@code store_unavailable}.
     */
    public CompletionStage<Optional<RedeemedToken>> look(String token) {
        try {
            Optional<String> hash = hashes.of(token);
            if (hash.isEmpty()) {
                return CompletableFuture.completedFuture(Optional.empty());
            }
            return store.find(hash.get()).thenApply(record -> record
                    .filter(r -> !r.expiredAt(clock.instant()) && r.usesLeft() > 0)
                    .map(this::describe));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Takes one use of {@code token} where it is presented with {@code expected} bindings, by {@code actor} for a
     * client at {@code clientAddress} (both for the audit log). The stage fails with {@code invalid_token}
     * (unknown, malformed, revoked, or bound to another provider or model), {@code expired_token},
     * {@code token_already_used}, {@code origin_not_allowed}, {@code model_not_allowed},
     * {@code endpoint_not_allowed} or {@code store_unavailable}.
     */
    public CompletionStage<RedeemedToken> consume(String token, Binding expected, String actor,
            @Nullable String clientAddress) {
        try {
            Optional<String> hash = hashes.of(token);
            if (hash.isEmpty()) {
                throw invalidToken();
            }
            return store.consume(hash.get(), expected, clock.instant())
                    .thenApply(redemption -> redeemed(redemption, actor, clientAddress));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private RedeemedToken redeemed(Redemption redemption, String actor, @Nullable String clientAddress) {
        TokenRecord record = redemption.record();
        if (redemption.outcome() == Outcome.REDEEMED) {
            audit.record(new BrokerEvent.TokenRedeemed(actor, record.id(), record.keyId(), record.usesLeft(),
                    record.provider(), record.model(), clientAddress));
            metrics.redeemed(record.provider());
            return describe(record);
        }
        audit.record(new BrokerEvent.TokenRejected(actor, record == null ? null : record.id(),
                redemption.outcome().name().toLowerCase(java.util.Locale.ROOT),
                redemption.mismatch() == null ? null : redemption.mismatch().wireName(), clientAddress));
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

    private RedeemedToken describe(TokenRecord r) {
        return new RedeemedToken(r.id(), r.keyId(), r.subject(), r.provider(), r.model(), r.origin(), r.format(),
                r.mode(), r.maxUses(), r.usesLeft(), r.issuedAt(), r.expiresAt(), session(r.sessionJson()),
                r.lockedFields(), r.maxSessionSeconds(), r.limits());
    }

    @Nullable
    private JsonNode session(@Nullable String text) {
        try {
            return text == null ? null : json.readValue(text, JsonNode.class);
        } catch (IOException e) {
            throw new IllegalStateException("stored session of a token is not JSON", e);
        }
    }

    private static BrokerException invalidToken() {
        return new BrokerException(ErrorCode.INVALID_TOKEN, "This token is not valid; fetch a new one.");
    }
}
