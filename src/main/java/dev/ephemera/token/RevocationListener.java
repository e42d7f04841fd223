package dev.ephemera.token;

import java.util.concurrent.CompletionStage;

/**
 * Told of every token revoked, after its record is gone, so that what was opened with it ends too (the live
 * sessions of SPEC §11). The revocation answers only once every listener's stage completed; a listener that fails
 * fails the revocation (the record is gone either way, and the caller may revoke again).
 */
public interface RevocationListener {

    /**
     * {@code record} was revoked; {@code reason} is {@code token_revoked}, or {@code key_revoked} when its key was
     * revoked with {@code cascade=true}.
     */
    CompletionStage<Void> revoked(TokenRecord record, String reason);
}
