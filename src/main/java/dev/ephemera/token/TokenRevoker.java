package dev.ephemera.token;

import dev.ephemera.audit.AuditLog;
import dev.ephemera.audit.BrokerEvent.TokenRevoked;
import dev.ephemera.auth.Caller;
import dev.ephemera.auth.Permission;
import dev.ephemera.error.BrokerException;
import dev.ephemera.error.ErrorCode;
import dev.ephemera.trace.GenAi;
import io.opentelemetry.api.trace.Span;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** Revokes tokens: by value (RFC 7009), by handle, and every token an API key minted; each revocation audited. */
@Singleton
public final class TokenRevoker {

    private final TokenStore store;
    private final TokenStrategy strategy;
    private final AuditLog audit;
    private final Clock clock;
    private final List<RevocationListener> listeners;

    TokenRevoker(TokenStore store, TokenStrategy strategy, AuditLog audit, Clock clock,
            List<RevocationListener> listeners) {
        this.listeners = List.copyOf(listeners);
        this.store = store;
        this.strategy = strategy;
        this.audit = audit;
        this.clock = clock;
    }

    /**
     * RFC 7009: revokes {@code token} if it is one of ours and {@code caller} minted it or is an admin (RFC 7009
     * §2.1: the token must have been issued to the client asking). Silent either way, so that the answer tells
     * another key nothing about a token it learnt; fails only when the store does.
     */
    public CompletionStage<Void> revoke(String token, Caller caller) {
        return revoke(token, caller, Span.getInvalid());
    }

    /** {@link #revoke(String, Caller)} within {@code span}, which learns the token's id. */
    public CompletionStage<Void> revoke(String token, Caller caller, Span span) {
        Optional<String> hash = strategy.read(token).hash();
        if (hash.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        return store.find(hash.get()).thenCompose(found -> {
            if (found.filter(r -> r.keyId().equals(caller.id()) || caller.has(Permission.ADMIN)).isEmpty()) {
                return CompletableFuture.completedFuture(Optional.<TokenRecord>empty());
            }
            return store.revoke(hash.get());
        }).thenCompose(revoked -> {
            revoked.ifPresent(record -> {
                span.setAttribute(GenAi.TOKEN_ID, record.id());
                audit.record(new TokenRevoked(caller.id(), record.id(), record.keyId(), TokenRevoked.By.VALUE),
                        span.getSpanContext());
            });
            return told(revoked, "token_revoked");
        });
    }

    /** Tells the listeners of a revocation, when there was one. */
    private CompletionStage<Void> told(Optional<TokenRecord> revoked, String reason) {
        if (revoked.isEmpty() || listeners.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        return CompletableFuture.allOf(listeners.stream().map(l -> l.revoked(revoked.get(), reason)
                .toCompletableFuture()).toArray(CompletableFuture[]::new));
    }

    /**
     * Revokes the token with handle {@code id}, if {@code caller} minted it or is an admin. The stage fails with
     * {@code not_found} when there is no such live token visible to the caller.
     */
    public CompletionStage<Void> revokeById(Caller caller, String id) {
        return revokeById(caller, id, Span.getInvalid());
    }

    /** {@link #revokeById(Caller, String)} within {@code span}. */
    public CompletionStage<Void> revokeById(Caller caller, String id, Span span) {
        return store.findById(id).thenCompose(found -> {
            if (found.filter(r -> r.keyId().equals(caller.id()) || caller.has(Permission.ADMIN)).isEmpty()) {
                throw notFound();
            }
            return store.revokeById(id);
        }).thenCompose(revoked -> {
            if (revoked.isEmpty()) {
                throw notFound();
            }
            audit.record(new TokenRevoked(caller.id(), id, revoked.get().keyId(), TokenRevoked.By.ID),
                    span.getSpanContext());
            return told(revoked, "token_revoked");
        });
    }

    /** Revokes every live token {@code keyId} minted; gives how many. */
    public CompletionStage<Integer> revokeAllMintedBy(String keyId, String actor) {
        return store.idsMintedBy(keyId, clock.instant()).thenCompose(ids -> {
            List<CompletableFuture<Integer>> each = ids.stream().map(id -> store.revokeById(id).thenCompose(revoked -> {
                revoked.ifPresent(r -> audit.record(new TokenRevoked(actor, id, keyId, TokenRevoked.By.CASCADE)));
                return told(revoked, "key_revoked").thenApply(ended -> revoked.isPresent() ? 1 : 0);
            }).toCompletableFuture()).toList();
            return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new))
                    .thenApply(all -> each.stream().mapToInt(CompletableFuture::join).sum());
        });
    }

    private static BrokerException notFound() {
        return new BrokerException(ErrorCode.NOT_FOUND, "No live token with this id was minted by this key.");
    }
}
