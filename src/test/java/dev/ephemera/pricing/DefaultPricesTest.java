package dev.ephemera.pricing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micronaut.context.ApplicationContext;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/** The price table shipped with the broker: what it prices, where from, and the copy Kubernetes mounts. */
class DefaultPricesTest {

    /** The model a preset's realtime sessions are priced by, for every preset that opens them. */
    private static final Map<String, String> REALTIME = Map.of("openai", "gpt-realtime",
            "azure", "gpt-4o-realtime-preview-2024-12-17", "gemini", "gemini-2.0-flash-live-001",
            "vertex", "gemini-2.0-flash-live-001");
    /** Presets with realtime sessions whose model has no price in the source, and why. */
    private static final Map<String, String> UNPRICED = Map.of("xai", "its voice model is billed by the minute and "
            + "is not in LiteLLM's file at 19a1f62; an operator adds a usd_per_minute row");

    private final Pricing shipped = new Pricing(new PricingConfiguration(null, null, "refuse"), System::nanoTime);

    private static String shippedText() throws IOException {
        try (InputStream in = DefaultPricesTest.class.getClassLoader().getResourceAsStream(Pricing.DEFAULT_TABLE)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** Each preset's name and realtime path (null for none), read from provider.ProviderPreset. */
    private static List<String[]> presets() throws ReflectiveOperationException {
        Class<?> preset = Class.forName("dev.ephemera.provider.ProviderPreset");
        Field all = preset.getDeclaredField("ALL");
        all.setAccessible(true);
        Method name = preset.getDeclaredMethod("name");
        Method realtime = preset.getDeclaredMethod("realtimePath");
        name.setAccessible(true);
        realtime.setAccessible(true);
        List<String[]> presets = new ArrayList<>();
        for (Object p : ((Map<?, ?>) all.get(null)).values()) {
            presets.add(new String[] {(String) name.invoke(p), (String) realtime.invoke(p)});
        }
        return presets;
    }

    @Test
    void everyPresetThatOpensRealtimeSessionsHasItsRealtimeModelPriced() throws ReflectiveOperationException {
        List<String> realtime = new ArrayList<>();
        for (String[] preset : presets()) {
            if (preset[1] != null) {
                realtime.add(preset[0]);
            }
        }
        List<String> listed = new ArrayList<>(REALTIME.keySet());
        listed.addAll(UNPRICED.keySet());
        assertThat(realtime).as("presets with realtime sessions, each listed here")
                .containsExactlyInAnyOrderElementsOf(listed);
        REALTIME.forEach((provider, model) -> assertThat(shipped.price(provider, model)).as(provider).isPresent());
        for (String model : List.of("gpt-realtime", "gpt-realtime-mini", "gpt-4o-realtime-preview",
                "gpt-4o-mini-realtime-preview")) {
            Price price = shipped.price("openai", model).orElseThrow();
            assertThat(price.inputAudio()).as(model + ": audio above text").isGreaterThan(price.inputText());
            assertThat(price.outputAudio()).isGreaterThan(price.outputText());
        }
    }

    @Test
    void everyProfileOfTheDevelopmentEnvironmentIsPricedSoTheDemoShowsACost() throws IOException {
        Map<?, ?> dev;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("application-dev.yml")) {
            dev = new Yaml().load(in);
        }
        Map<?, ?> profiles = (Map<?, ?>) ((Map<?, ?>) dev.get("ephemera")).get("profiles");
        assertThat(profiles).isNotEmpty();
        for (Object profile : profiles.values()) {
            Map<?, ?> p = (Map<?, ?>) profile;
            assertThat(shipped.price((String) p.get("provider"), (String) p.get("model"))).as(p.toString())
                    .isPresent();
        }
        assertThat(shipped.price("echo", "echo-realtime").orElseThrow().source()).startsWith("demo");
    }

    @Test
    void pricesTheChatModelsOfEachPresetThatHasThem() {
        for (String[] model : new String[][] {{"openai", "gpt-4o"}, {"openai", "gpt-4o-mini"},
            {"openai", "gpt-4.1-2025-04-14"}, {"openai", "gpt-4.1-mini"}, {"openai", "gpt-5-mini-2025-08-07"},
            {"anthropic", "claude-sonnet-4-5"}, {"anthropic", "claude-haiku-4-5-20251001"},
            {"gemini", "gemini-2.5-pro"}, {"gemini", "gemini-2.5-flash"}, {"vertex", "gemini-2.5-pro"},
            {"vertex", "gemini-2.5-flash"}, {"mistral", "mistral-large-latest"},
            {"cohere", "command-a-03-2025"}, {"xai", "grok-4"}, {"kimi", "kimi-k2-0711-preview"}}) {
            assertThat(shipped.price(model[0], model[1])).as(String.join(" ", model)).isPresent();
        }
        assertThat(shipped.price("openai", "gpt-4o-audio-preview")).as("audio at text prices would be too cheap")
                .isEmpty();
    }

    /** Vertex AI serves the Gemini models at the Gemini API's prices: every gemini row has its vertex twin. */
    @Test
    void pricesEveryGeminiModelOnVertexAiAtTheSamePrice() throws IOException {
        List<?> rows = (List<?>) ((Map<?, ?>) new Yaml().load(shippedText())).get("models");
        List<String> gemini = rows.stream().map(r -> (Map<?, ?>) r).filter(r -> "gemini".equals(r.get("provider")))
                .map(r -> (String) r.get("model")).toList();
        assertThat(gemini).isNotEmpty();
        for (String model : gemini) {
            assertThat(shipped.price("vertex", model)).as(model).isEqualTo(shipped.price("gemini", model));
        }
    }

    @Test
    void isDatedAndEveryRowNamesItsSource() throws IOException {
        Map<?, ?> table = new Yaml().load(shippedText());
        assertThat(table.get("date")).isEqualTo("2026-12-07");
        for (Object row : (List<?>) table.get("models")) {
            String source = (String) ((Map<?, ?>) row).get("source");
            assertThat(source).as(row.toString()).matches(
                    "LiteLLM model_prices_and_context_window\\.json @19a1f62, read 2026-12-07|demo: .*");
        }
        assertThat(shippedText()).contains("19a1f629eb6fafde70968ef4815463eb08143aac");
    }

    @Test
    void theCopyKubernetesMountsIsTheShippedTable() throws IOException {
        assertThat(Files.readString(Path.of("k8s/base/prices.yaml"))).isEqualTo(shippedText());
    }

    @Test
    void micronautBindsThePropertiesAndABadFileStopsTheStart() {
        try (ApplicationContext context = ApplicationContext.run(Map.of("ephemera.pricing.unpriced", "free"))) {
            Pricing pricing = context.getBean(Pricing.class);
            assertThat(pricing.refusesUnpriced()).isFalse();
            assertThat(pricing.price("openai", "gpt-realtime")).isPresent();
        }
        assertThatThrownBy(() -> ApplicationContext.run(Map.of("ephemera.pricing.file", "/nonexistent/prices.yaml"))
                .close()).satisfies(e -> {
                    StringBuilder messages = new StringBuilder();
                    for (Throwable t = e; t != null; t = t.getCause()) {
                        messages.append(t.getMessage());
                    }
                    assertThat(messages).contains("ephemera.pricing.file /nonexistent/prices.yaml");
                });
    }
}
