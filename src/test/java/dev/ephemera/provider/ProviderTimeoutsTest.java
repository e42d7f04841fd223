package dev.ephemera.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micronaut.context.ApplicationContext;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The provider layer reads the relays' upstream timeout from the same setting, and refuses what they refuse. */
class ProviderTimeoutsTest {

    @Test
    void boundToTheRelaysSettingWithItsDefault() {
        try (ApplicationContext context = ApplicationContext.builder(ProviderTimeouts.class)
                .properties(Map.of("ephemera.relay.upstream-timeout", "3s")).eagerInitSingletons(false)
                .build().start()) {
            assertThat(context.getBean(ProviderTimeouts.class).upstreamTimeout()).isEqualTo(Duration.ofSeconds(3));
        }
    }

    @Test
    void aTimeoutThatIsNotPositiveIsRefused() {
        assertThatThrownBy(() -> new ProviderTimeouts(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }
}
