package dev.ephemera.relay;

import dev.ephemera.async.Stages;
import dev.ephemera.provider.ProviderRegistry;
import dev.ephemera.token.Binding;
import dev.ephemera.token.PresentedToken;
import dev.ephemera.token.RedeemedToken;
import dev.ephemera.token.TokenRedeemer;
import dev.ephemera.web.ClientAddresses;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import jakarta.inject.Singleton;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * The one way the relays take a token's use (SPEC §5, §7): every check that can refuse runs before it, so a
 * refused request costs its token nothing. In order: the credential must be present and well formed; where the
 * provider is not named by the request, the token is looked at (not used) to learn it, and an inactive token is
 * refused for the reason the consume gives; the provider must have a key; the relay's own reservation (a session
 * place, say) is taken; then the use is taken atomically where the token matches the request's
 * {@link Binding}, and a refusal there gives the reservation back. Nothing blocks the calling thread.
 */
@Singleton
public final class Redeemer {

    /** What a relay adds before the use is taken, given the token's record; returns how to give it back. */
    @FunctionalInterface
    public interface Reservation {
        /** Nothing reserved. */
        Reservation NONE = token -> CompletableFuture.completedFuture(() -> { });

        /**
         * Takes what the relay needs without blocking; the stage fails with the {@code BrokerException} that
         * refused, or gives what gives the reservation back (idempotent, non-blocking).
         */
        CompletionStage<Runnable> reserve(RedeemedToken token);
    }

    /** A redeemed token, its provider's credentials, and what gives the relay's reservation back. */
    public record Redeemed(RedeemedToken token, Map<String, String> upstreamHeaders, Runnable release) {
    }

    private final TokenRedeemer tokens;
    private final ProviderRegistry providers;
    private final ClientAddresses clients;

    public Redeemer(TokenRedeemer tokens, ProviderRegistry providers, ClientAddresses clients) {
        this.tokens = tokens;
        this.providers = providers;
        this.clients = clients;
    }

    /**
     * Redeems {@code presented}, the token {@code request} presented ({@link RelayCredentials#token}), read once
     * for the look and the use, for {@code binding} (whose provider may be {@code null}: then the token's own), by
     * {@code actor} (for the audit log). The stage fails with the {@code BrokerException} that refused.
     */
    public CompletionStage<Redeemed> redeem(HttpRequest<?> request, String presented, Binding binding, String actor,
            Reservation reservation) {
        @Nullable String client = clients.of(request);
        PresentedToken token = tokens.present(presented);
        if (binding.provider() != null && reservation == Reservation.NONE) {
            // The provider named by the request and nothing to reserve: the consume checks all there is to check.
            return Stages.now(() -> providers.upstreamHeaders(binding.provider()))
                    .thenCompose(auth -> take(token, binding, actor, client, auth, () -> { }));
        }
        return tokens.look(token).thenCompose(live -> {
            if (live.isEmpty()) {
                // Unknown, expired, used up or revoked: the consume says which, and takes nothing.
                return tokens.consume(token, binding, actor, client).thenApply(none -> {
                    throw new IllegalStateException("an inactive token was consumed");
                });
            }
            RedeemedToken looked = live.get();
            Map<String, String> auth = providers.upstreamHeaders(
                    binding.provider() != null ? binding.provider() : looked.provider());
            return reservation.reserve(looked).thenCompose(release -> take(token, binding, actor, client, auth,
                    release));
        });
    }

    /** Takes the use; a refusal gives the reservation back. */
    private CompletionStage<Redeemed> take(PresentedToken token, Binding binding, String actor, @Nullable String client,
            Map<String, String> auth, Runnable release) {
        return tokens.consume(token, binding, actor, client).handle((redeemed, refused) -> {
            if (refused != null) {
                release.run();
                throw refused instanceof CompletionException c ? c : new CompletionException(refused);
            }
            return new Redeemed(redeemed, auth, release);
        });
    }
}
