package dev.ephemera.session;

import dev.ephemera.auth.Caller;
import dev.ephemera.auth.Permission;
import dev.ephemera.error.BrokerException;
import dev.ephemera.error.ErrorCode;
import dev.ephemera.token.TokenIds;
import dev.ephemera.token.TokenRecord;
import dev.ephemera.token.TokenStore;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.authentication.Authentication;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * {@code GET /v1/tokens/{id}}: a token's receipt (SPEC §11). While the token's record lives, its state and uses come
 * from it; its sessions and usage from the receipt the relays keep, which outlives the record
 * ({@link SessionStore#RECEIPT_RETENTION}). A caller reads the receipts of tokens it minted; an admin reads all.
 */
@Controller("/v1/tokens")
final class ReceiptController {

    private final TokenStore tokens;
    private final SessionStore sessions;
    private final Clock clock;

    ReceiptController(TokenStore tokens, SessionStore sessions, Clock clock) {
        this.tokens = tokens;
        this.sessions = sessions;
        this.clock = clock;
    }

    @Get(uri = "/{id:tok_.*}", produces = MediaType.APPLICATION_JSON)
    @Secured(Permission.ROLE_READ)
    CompletionStage<Receipt> get(@PathVariable String id, Authentication authentication) {
        TokenIds.checked(id);
        Caller caller = Caller.of(authentication);
        long now = clock.instant().getEpochSecond();
        return tokens.findById(id).thenCombine(sessions.receipt(id, now), (record, kept) -> {
            Optional<Receipt> receipt = record.map(r -> merged(r, kept, now)).or(() -> kept);
            return receipt.filter(r -> caller.has(Permission.ADMIN) || r.keyId().equals(caller.id()))
                    .orElseThrow(() -> new BrokerException(ErrorCode.NOT_FOUND, "No token with this id was minted "
                            + "by this caller, or its receipt is no longer kept."));
        });
    }

    /** The live record decides state and uses; the receipt adds sessions, usage and the revocation time. */
    private static Receipt merged(TokenRecord r, Optional<Receipt> kept, long now) {
        String state = r.expiresAt().getEpochSecond() <= now ? "expired" : r.usesLeft() == 0 ? "used_up" : "active";
        return new Receipt(r.id(), state, r.keyId(), r.provider(), r.model(), r.subject(), r.origin(),
                r.format().wireName(), r.issuedAt().getEpochSecond(), r.expiresAt().getEpochSecond(), r.maxUses(),
                r.maxUses() - r.usesLeft(), null, kept.map(Receipt::sessions).orElse(List.of()),
                kept.map(Receipt::usage).orElse(Usage.NONE));
    }
}
