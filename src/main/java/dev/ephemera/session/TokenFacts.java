package dev.ephemera.session;

import dev.ephemera.token.RedeemedToken;
import dev.ephemera.token.TokenRecord;
import io.micronaut.core.annotation.Nullable;
import java.time.Instant;

/**
 * What a token's receipt keeps of the token itself, so that the receipt outlives the token's record: its handle,
 * the key that minted it, what it was for, its lifetime and its uses.
 */
public record TokenFacts(String id, String keyId, String provider, @Nullable String model, @Nullable String subject,
        @Nullable String origin, String format, int maxUses, int usesLeft, Instant issuedAt, Instant expiresAt) {

    public static TokenFacts of(RedeemedToken token) {
        return new TokenFacts(token.id(), token.keyId(), token.provider(), token.model(), token.subject(),
                token.origin(), token.format().wireName(), token.maxUses(), token.usesLeft(), token.issuedAt(),
                token.expiresAt());
    }

    public static TokenFacts of(TokenRecord record) {
        return new TokenFacts(record.id(), record.keyId(), record.provider(), record.model(), record.subject(),
                record.origin(), record.format().wireName(), record.maxUses(), record.usesLeft(), record.issuedAt(),
                record.expiresAt());
    }
}
