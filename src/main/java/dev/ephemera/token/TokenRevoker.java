package dev.ephemera.token;

import dev.ephemera.audit.AuditLog;
import dev.ephemera.auth.Caller;
import dev.ephemera.auth.Permission;
import dev.ephemera.error.BrokerException;
import dev.ephemera.error.ErrorCode;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.util.Optional;

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

    /** RFC 7009: revokes {@code token} if it is one of ours; silent either way. */
    public void revoke(String token, String actor) {
        hashes.of(token).flatMap(store::revoke).ifPresent(record ->
                audit.record("token.revoked", actor, "token_id", record.id(), "by", "value"));
    }

    /**
     * Revokes the token with handle {@code id}, if {@code caller} minted it or is an admin.
     *
     * @throws BrokerException {@code not_found} when there is no such live token visible to the caller
     */
    public void revokeById(Caller caller, String id) {
        Optional<TokenRecord> record = store.findById(id)
                .filter(r -> r.keyId().equals(caller.id()) || caller.has(Permission.ADMIN));
        if (record.isEmpty() || store.revokeById(id).isEmpty()) {
            throw new BrokerException(ErrorCode.NOT_FOUND, "No live token with this id was minted by this key.");
        }
        audit.record("token.revoked", caller.id(), "token_id", id, "by", "id");
    }

    /** Revokes every live token {@code keyId} minted; returns how many. */
    public int revokeAllMintedBy(String keyId, String actor) {
        int count = 0;
        for (String id : store.idsMintedBy(keyId, clock.instant())) {
            if (store.revokeById(id).isPresent()) {
                audit.record("token.revoked", actor, "token_id", id, "by", "cascade", "key_id", keyId);
                count++;
            }
        }
        return count;
    }
}
