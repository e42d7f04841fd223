package dev.ephemera.store;

import dev.ephemera.token.TokenStore;
import io.micronaut.health.HealthStatus;
import io.micronaut.management.health.indicator.HealthIndicator;
import io.micronaut.management.health.indicator.HealthResult;
import io.micronaut.management.health.indicator.annotation.Readiness;
import jakarta.inject.Singleton;
import java.util.Map;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;

/** Readiness is DOWN while the token store does not answer: a replica that cannot grant must get no traffic. */
@Singleton
@Readiness
final class StoreHealthIndicator implements HealthIndicator {

    private final TokenStore store;

    StoreHealthIndicator(TokenStore store) {
        this.store = store;
    }

    @Override
    public Publisher<HealthResult> getResult() {
        return Mono.fromCompletionStage(() -> store.isReachable().thenApply(reachable -> HealthResult
                .builder("tokenStore", reachable ? HealthStatus.UP : HealthStatus.DOWN)
                .details(Map.of("type", store.getClass().getSimpleName()))
                .build()));
    }
}
