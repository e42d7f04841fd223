package dev.ephemera.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

/** SPEC §11: what usage cost, in dollars, by provider and model as {@code ephemera_cost_usd_total}. */
class CostMetricsTest {

    @Test
    void costIsCountedInDollarsByProviderAndModel() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        BrokerMetrics metrics = new BrokerMetrics(registry);
        metrics.cost("openai", "gpt-realtime", 37_440);
        metrics.cost("openai", "gpt-realtime", 2_560);
        metrics.cost("openai", "other", 1_000_000);
        metrics.cost("openai", "other", 0);
        String scraped = registry.scrape();
        assertThat(scraped).contains("ephemera_cost_usd_total{model=\"gpt-realtime\",provider=\"openai\"} 0.04")
                .contains("ephemera_cost_usd_total{model=\"other\",provider=\"openai\"} 1.0");
    }
}
