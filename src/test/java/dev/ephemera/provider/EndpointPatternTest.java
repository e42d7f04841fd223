package dev.ephemera.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** An allowed endpoint as configured ({@code "POST /chat/completions"}) and the requests it lets through. */
class EndpointPatternTest {

    @Test
    void readsTheMethodAndPathInTheirCanonicalForm() {
        EndpointPattern endpoint = EndpointPattern.parse("  post   /chat/completions ");
        assertThat(endpoint.method()).isEqualTo("POST");
        assertThat(endpoint.path()).isEqualTo("/chat/completions");
        assertThat(endpoint).hasToString("POST /chat/completions");
    }

    @ParameterizedTest
    @ValueSource(strings = {"POST chat/completions", "/chat/completions", "POST", "POST /a b", "POST /a?b=1",
        "POST //chat", "POST /a//b", "POST /a/./b", "POST /a/../b", "POST /{Model}", "POST /{model",
        "POST /model}", "POST /a}{model}", "POST /{model}}", "POST /{model}{", "POST /{1}", "PO-ST /x"})
    void refusesWhatIsNotAMethodAndACleanPath(String text) {
        assertThatThrownBy(() -> EndpointPattern.parse(text)).as(text).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @CsvSource({"POST, /chat/completions, true", "GET, /chat/completions, false", "post, /chat/completions, false",
        "POST, /chat/completions/, false", "POST, /chat/completionsx, false", "POST, /chat, false",
        "POST, /v1/chat/completions, false"})
    void matchesItsMethodAndExactlyItsPath(String method, String path, boolean matches) {
        assertThat(EndpointPattern.parse("POST /chat/completions").match(method, path)).as(method + " " + path)
                .matches(m -> m.isPresent() == matches);
    }

    @Test
    void aPathIsLiteralTextNotARegularExpression() {
        EndpointPattern dotted = EndpointPattern.parse("POST /v1.2/x");
        assertThat(dotted.match("POST", "/v1.2/x")).isPresent();
        assertThat(dotted.match("POST", "/v1x2/x")).isEmpty();
        assertThat(dotted.match("POST", "/v1.2/xx")).isEmpty();
    }

    @Test
    void theModelPlaceholderGivesThePathsModel() {
        EndpointPattern gemini = EndpointPattern.parse("POST /models/{model}:generateContent");
        EndpointPattern.Match match = gemini.match("POST", "/models/gemini-2.5_flash.x:generateContent")
                .orElseThrow();
        assertThat(match.pathModel()).isEqualTo("gemini-2.5_flash.x");
        assertThat(match.endpoint()).isSameAs(gemini);
        for (String bad : new String[] {"/models/:generateContent", "/models/a/b:generateContent",
                "/models/a b:generateContent", "/models/a%2Fb:generateContent", "/models/a:b:generateContent"}) {
            assertThat(gemini.match("POST", bad)).as(bad).isEmpty();
        }
    }

    @Test
    void anotherPlaceholderStandsForOneIdAndNamesNoModel() {
        EndpointPattern files = EndpointPattern.parse("GET /files/{file_id}/content");
        assertThat(files.match("GET", "/files/file-abc_1.x/content")).hasValueSatisfying(m ->
                assertThat(m.pathModel()).isNull());
        assertThat(files.match("GET", "/files/a/b/content")).isEmpty();
        assertThat(files.match("GET", "/files//content")).isEmpty();
        EndpointPattern both = EndpointPattern.parse("POST /deployments/{deployment}/models/{model}");
        assertThat(both.match("POST", "/deployments/d1/models/m2").orElseThrow().pathModel()).isEqualTo("m2");
    }
}
