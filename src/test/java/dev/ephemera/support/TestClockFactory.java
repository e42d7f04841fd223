package dev.ephemera.support;

import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Replaces;
import io.micronaut.context.annotation.Requires;
import jakarta.inject.Singleton;
import java.time.Clock;

/** With {@code test.clock=mutable}, the broker's clock is a {@link MutableClock} the test can move. */
@Factory
@Requires(property = "test.clock", value = "mutable")
final class TestClockFactory {

    @Singleton
    @Replaces(Clock.class)
    MutableClock clock() {
        return new MutableClock();
    }
}
