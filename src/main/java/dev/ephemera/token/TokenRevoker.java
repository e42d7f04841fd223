package dev.ephemera.token;

import dev.ephemera.audit.AuditLog;
import dev.ephemera.auth.Caller;
import dev.ephemera.auth.Permission;
import dev.ephemera.error.BrokerException;
import dev.ephemera.error.ErrorCode;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CompletableFuture;

/** Revokes tokens: by value (RFC 7009), by handle, and every token an API key minted; each revocation audited. */
@Singleton
public final class TokenRevoker {

    private final TokenStore store;
    private final TokenHashes hashes;
    private final AuditLog audit;
    private final Clock clock;

    TokenRevoker(TokenStore store, TokenHashes hashes, AuditLog audit, Clock clock) {
        this.store = store;
        this.hashes = hashes;
        this.audit = audit;
        this.clock = clock;
    }

    /** RFC 7009: revokes {@code token} if it is one of ours; silent either way (fails only when the store does). */
    public CompletionStage<Void> revoke(String token, String actor) {
        Optional<String> hash = hashes.of(token);
        if (hash.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        return store.revoke(hash.get()).thenAccept(revoked -> revoked.ifPresent(record ->
                audit.record("token.revoked", actor, "token_id", record.id(), "by", "value")));
    }

    /**
     * Revokes the token with handle {@code id}, if {@code caller} minted it or is an admin. The stage fails with
     * {@code not_found} when there is no such live token visible to the caller.
     */
    public CompletionStage<Void> revokeById(Caller caller, String id) {
        return store.findById(id).thenCompose(found -> {
            if (found.filter(r -> r.keyId().equals(caller.id()) || caller.has(Permission.ADMIN)).isEmpty()) {
                throw notFound();
            }
            return store.revokeById(id);
        }).thenAccept(revoked -> {
            if (revoked.isEmpty()) {
                throw notFound();
            }
            audit.record("token.revoked", caller.id(), "token_id", id, "by", "id");
        });
    }

    /** Revokes every live token {@code keyId} minted; gives how many. */
    public CompletionStage<Integer> revokeAllMintedBy(String keyId, String actor) {
        return store.idsMintedBy(keyId, clock.instant()).thenCompose(ids -> {
            List<CompletableFuture<Integer>> each = ids.stream().map(id -> store.revokeById(id).thenApply(revoked -> {
                revoked.ifPresent(r -> audit.record("token.revoked", actor, "token_id", id, "by", "cascade",
                        "key_id", keyId));
                return revoked.isPresent() ? 1 : 0;
            }).toCompletableFuture()).toList();
            return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new))
                    .thenApply(all -> each.stream().mapToInt(CompletableFuture::join).sum());
        });
    }

    private static BrokerException notFound() {
        return new BrokerException(ErrorCode.NOT_FOUND, "No live token with this id was minted by this key.");
    }
}
