package dev.ephemera.relay.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.json.StrictJson;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** SPEC §11: each provider's output field capped at what is left, divided by the choices asked for. */
class OutputCapTest {

    @SuppressWarnings("unchecked")
    private static Map<String, Object> body(String json) {
        return new LinkedHashMap<>((Map<String, Object>) StrictJson.parse(json.getBytes(StandardCharsets.UTF_8))
                .orElseThrow());
    }

    private static BigDecimal n(long value) {
        return BigDecimal.valueOf(value);
    }

    @ParameterizedTest
    @CsvSource({"/v1/chat/completions, true", "/v1/responses, true", "/v1/messages, true",
        "/v1beta/models/gemini-x:generateContent, true", "/v1beta/models/gemini-x:streamGenerateContent, true",
        "/v1/embeddings, false", "/v1beta/models/gemini-x:countTokens, false", "/v1/chat/completions/x, false"})
    void knowsTheEndpointsWithAnOutputField(String path, boolean known) {
        assertThat(OutputCap.knows("openai", path)).isEqualTo(known);
        assertThat(OutputCap.cap("openai", path, body("{}"), 100)).as("an absent field is added where known")
                .isEqualTo(known);
    }

    @Test
    void openAiChatGetsMaxCompletionTokensUnlessTheClientSentMaxTokens() {
        Map<String, Object> plain = body("{}");
        assertThat(OutputCap.cap("openai", "/v1/chat/completions", plain, 100)).isTrue();
        assertThat(plain).isEqualTo(Map.of("max_completion_tokens", n(100)));
        Map<String, Object> legacy = body("{\"max_tokens\":500}");
        assertThat(OutputCap.cap("azure", "/openai/deployments/d/chat/completions", legacy, 100)).isTrue();
        assertThat(legacy).isEqualTo(Map.of("max_tokens", n(100)));
        Map<String, Object> newer = body("{\"max_completion_tokens\":500}");
        assertThat(OutputCap.cap("openai", "/v1/chat/completions", newer, 100)).isTrue();
        assertThat(newer).isEqualTo(Map.of("max_completion_tokens", n(100)));
        Map<String, Object> low = body("{\"max_tokens\":5,\"max_completion_tokens\":7}");
        assertThat(OutputCap.cap("openai", "/v1/chat/completions", low, 100)).isFalse();
        assertThat(low).isEqualTo(Map.of("max_tokens", n(5), "max_completion_tokens", n(7)));
    }

    @Test
    void otherChatCompletionsGetMaxTokens() {
        Map<String, Object> plain = body("{}");
        assertThat(OutputCap.cap("mistral", "/v1/chat/completions", plain, 100)).isTrue();
        assertThat(plain).isEqualTo(Map.of("max_tokens", n(100)));
        Map<String, Object> both = body("{\"max_tokens\":5,\"max_completion_tokens\":900}");
        assertThat(OutputCap.cap("xai", "/v1/chat/completions", both, 100)).as("one lowered is a change").isTrue();
        assertThat(both).isEqualTo(Map.of("max_tokens", n(5), "max_completion_tokens", n(100)));
    }

    @Test
    void responsesMessagesAndGeminiGetTheirOwnFields() {
        Map<String, Object> responses = body("{\"max_output_tokens\":\"inf\"}");
        assertThat(OutputCap.cap("openai", "/v1/responses", responses, 40)).isTrue();
        assertThat(responses).isEqualTo(Map.of("max_output_tokens", n(40)));
        Map<String, Object> lowResponses = body("{\"max_output_tokens\":4}");
        assertThat(OutputCap.cap("openai", "/v1/responses", lowResponses, 40)).isFalse();
        Map<String, Object> messages = body("{\"max_tokens\":4096}");
        assertThat(OutputCap.cap("anthropic", "/v1/messages", messages, 40)).isTrue();
        assertThat(messages).isEqualTo(Map.of("max_tokens", n(40)));
        Map<String, Object> lowMessages = body("{\"max_tokens\":4}");
        assertThat(OutputCap.cap("anthropic", "/v1/messages", lowMessages, 40)).isFalse();
        Map<String, Object> gemini = body("{\"generationConfig\":{\"temperature\":1}}");
        assertThat(OutputCap.cap("gemini", "/v1beta/models/g:generateContent", gemini, 40)).isTrue();
        assertThat(gemini.get("generationConfig")).isEqualTo(Map.of("temperature", n(1), "maxOutputTokens", n(40)));
        Map<String, Object> lowGemini = body("{\"generationConfig\":{\"maxOutputTokens\":4}}");
        assertThat(OutputCap.cap("gemini", "/v1beta/models/g:streamGenerateContent", lowGemini, 40)).isFalse();
        Map<String, Object> other = body("{\"max_tokens\":4096}");
        assertThat(OutputCap.cap("openai", "/v1/embeddings", other, 40)).isFalse();
        assertThat(other).isEqualTo(Map.of("max_tokens", n(4096)));
    }

    @Test
    void theBudgetIsDividedByTheChoicesAskedForAtLeastOneEach() {
        Map<String, Object> three = body("{\"n\":3}");
        OutputCap.cap("openai", "/v1/chat/completions", three, 100);
        assertThat(three.get("max_completion_tokens")).isEqualTo(n(33));
        Map<String, Object> candidates = body("{\"generationConfig\":{\"candidateCount\":4}}");
        OutputCap.cap("gemini", "/v1beta/models/g:generateContent", candidates, 100);
        assertThat(((Map<?, ?>) candidates.get("generationConfig")).get("maxOutputTokens")).isEqualTo(n(25));
        Map<String, Object> many = body("{\"n\":8}");
        OutputCap.cap("openai", "/v1/chat/completions", many, 3);
        assertThat(many.get("max_completion_tokens")).isEqualTo(n(1));
        Map<String, Object> zero = body("{\"n\":0}");
        OutputCap.cap("openai", "/v1/chat/completions", zero, 100);
        assertThat(zero.get("max_completion_tokens")).isEqualTo(n(100));
    }
}
