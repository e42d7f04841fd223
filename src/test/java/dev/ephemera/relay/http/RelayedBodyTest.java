package dev.ephemera.relay.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.ephemera.error.BrokerException;
import dev.ephemera.error.ErrorCode;
import dev.ephemera.token.Presented;
import io.micronaut.core.io.buffer.ByteArrayBufferFactory;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MutableHttpRequest;
import io.micronaut.http.body.stream.AvailableByteArrayBody;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** SPEC §4, §7: how the HTTP relay reads a request body before the token's use is taken. */
class RelayedBodyTest {

    private static final String CHAT = "/v1/chat/completions";

    private static RelayedBody read(String contentType, String encoding, String body, String path) {
        MutableHttpRequest<?> request = HttpRequest.POST(path, "");
        if (contentType != null) {
            request.header(HttpHeaders.CONTENT_TYPE, contentType);
        }
        if (encoding != null) {
            request.header(HttpHeaders.CONTENT_ENCODING, encoding);
        }
        return RelayedBody.read(request, body == null ? null : AvailableByteArrayBody.create(
                ByteArrayBufferFactory.INSTANCE, body.getBytes(StandardCharsets.UTF_8)), "openai", path);
    }

    private static RelayedBody json(String body) {
        return read("application/json", null, body, CHAT);
    }

    private static ErrorCode refusal(String body) {
        return catchThrowableOfType(BrokerException.class, () -> json(body)).errorCode();
    }

    @Test
    void noBodyNamesNoModelAndCannotBeCapped() {
        for (String body : new String[] {null, ""}) {
            RelayedBody read = read("application/json", null, body, CHAT);
            assertThat(read.json()).isNull();
            assertThat(read.model()).isEqualTo(Presented.NOTHING);
            assertThat(read.measurable()).as("the provider's own default output limit would apply").isFalse();
        }
    }

    @ParameterizedTest
    @CsvSource(nullValues = "none", value = {"application/json, gzip", "application/json, 'gzip, identity'",
        "text/plain, none", "application/x-www-form-urlencoded, none", "none, none", "application/jsonx, none"})
    void aBodyThatIsCompressedOrNotJsonIsNotReadNorMeasurable(String contentType, String encoding) {
        RelayedBody read = read(contentType, encoding, "{\"model\":\"gpt\"}", CHAT);
        assertThat(read.json()).isNull();
        assertThat(read.model()).isEqualTo(Presented.NOTHING);
        assertThat(read.measurable()).isFalse();
    }

    @ParameterizedTest
    @CsvSource(nullValues = "none", value = {"application/json, none", "application/json; charset=utf-8, identity",
        "application/vnd.example+json, IDENTITY", "application/json, ''"})
    void anUncompressedJsonBodyIsRead(String contentType, String encoding) {
        RelayedBody read = read(contentType, encoding, "{\"model\":\"gpt\"}", CHAT);
        assertThat(read.json()).isEqualTo(Map.of("model", "gpt"));
        assertThat(read.model()).isEqualTo(Presented.of("gpt"));
        assertThat(read.measurable()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"[]", "\"x\"", "{\"a\":1,\"a\":2}", "{", "{} {}"})
    void aBodyThatIsNotOneStrictJsonObjectIsNotRead(String body) {
        RelayedBody read = json(body);
        assertThat(read.json()).isNull();
        assertThat(read.model()).as("names no model, which a bound token does not match").isEqualTo(Presented.NOTHING);
        assertThat(read.measurable()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"model\":5}", "{\"model\":null}", "{\"model\":[\"gpt\"]}", "{\"model\":\"\"}",
        "{\"model\":\"  \"}"})
    void aModelMustBeANonEmptyString(String body) {
        assertThat(refusal(body)).isEqualTo(ErrorCode.MODEL_NOT_ALLOWED);
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"generation_config\":{\"candidateCount\":4,\"maxOutputTokens\":5000}}",
        "{\"generationConfig\":{\"candidate_count\":4}}", "{\"generationConfig\":{\"max_output_tokens\":5000}}",
        "{\"generationConfig\":{\"candidateCount\":2},\"generation_config\":{\"candidateCount\":8}}"})
    void googlesSnakeCaseSpellingsAreNotMeasured(String body) {
        assertThat(json(body).measurable()).as(body).isFalse();
    }

    @Test
    void aBodyWithoutAModelNamesNone() {
        RelayedBody read = json("{\"messages\":[]}");
        assertThat(read.model()).isEqualTo(Presented.NOTHING);
        assertThat(read.json()).containsOnlyKeys("messages");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"{}|true", "{\"n\":1}|true", "{\"n\":128}|true", "{\"n\":129}|false",
        "{\"n\":0}|false", "{\"n\":-1}|false", "{\"n\":1.5}|false", "{\"n\":\"2\"}|false", "{\"n\":2.0}|true",
        "{\"n\":1e30}|false", "{\"best_of\":1}|false", "{\"generationConfig\":{\"candidateCount\":3}}|true",
        "{\"generationConfig\":{\"candidateCount\":0}}|false", "{\"generationConfig\":{\"candidateCount\":129}}|false",
        "{\"generationConfig\":\"x\",\"n\":2}|true", "{\"n\":2,\"generationConfig\":{\"candidateCount\":200}}|false"})
    void onlyWholeChoicesTheCapCanBeDividedByAreMeasurable(String body, boolean measurable) {
        assertThat(json(body).measurable()).as(body).isEqualTo(measurable);
    }

    @Test
    void aBodyToAnEndpointWithoutAnOutputFieldIsNotMeasurable() {
        assertThat(read("application/json", null, "{\"input\":\"x\"}", "/v1/embeddings").measurable()).isFalse();
    }

    @Test
    void theChoicesAreNOrGeminisCandidateCount() {
        assertThat(RelayedBody.choices(Map.of())).isEqualTo(1);
        assertThat(RelayedBody.choices(Map.of("n", java.math.BigDecimal.valueOf(3)))).isEqualTo(3);
        assertThat(RelayedBody.choices(Map.of("n", "3"))).isEqualTo(1);
        assertThat(RelayedBody.choices(Map.of("generationConfig", Map.of("candidateCount",
                java.math.BigDecimal.valueOf(4))))).isEqualTo(4);
        assertThat(RelayedBody.choices(Map.of("n", java.math.BigDecimal.valueOf(2), "generationConfig",
                Map.of("candidateCount", java.math.BigDecimal.valueOf(4))))).isEqualTo(2);
        assertThat(RelayedBody.choices(Map.of("generationConfig", "x"))).isEqualTo(1);
    }
}
