package dev.ephemera.relay.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.error.BrokerException;
import dev.ephemera.provider.EndpointPattern;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The HTTP relay's scope decision, as {@link HttpRelayFilter} makes it ({@link UpstreamPaths#resolve}, then the
 * decoded path against the allowed endpoints), for generated methods and paths with encodings, dot segments, path
 * parameters and odd characters. The invariant, judged by an independent reading of the URI the provider would be
 * sent (percent-decoded, dot segments removed, path parameters cut): whatever is let through is exactly one of the
 * allowed endpoints, under the base path, with the allowed method.
 */
class HttpScopeProperties {

    private static final URI BASE = URI.create("https://api.example.com/v1");
    private static final List<EndpointPattern> ALLOWED = List.of(EndpointPattern.parse("POST /chat/completions"),
            EndpointPattern.parse("POST /embeddings"),
            EndpointPattern.parse("POST /models/{model}:generateContent"));
    private static final Set<String> EXACT = Set.of("/v1/chat/completions", "/v1/embeddings");
    private static final List<String> PIECES = List.of("chat", "completions", "embeddings", "models", "gemini-x",
            ":generateContent", ".", "..", "%2e", "%2E%2e", "%2f", "%2F", "%5c", "%25", "%00", ";", ";x", "%3b", "/",
            "//", "c%68at", "%63hat", "Chat", "files", "%3A", "ü", "%C3%BC", "@", "?", "#", "%20", "\\", "~", "+");

    @Property(tries = 5000)
    void whatIsLetThroughIsExactlyAnAllowedEndpoint(@ForAll("methods") String method, @ForAll("paths") String raw) {
        URI target;
        try {
            target = UpstreamPaths.resolve(BASE, raw, null);
        } catch (BrokerException | IllegalArgumentException refused) {
            return;
        }
        String path = target.getPath().substring(BASE.getPath().length());
        Optional<EndpointPattern.Match> match = ALLOWED.stream().flatMap(e -> e.match(method, path).stream())
                .findFirst();
        if (match.isEmpty()) {
            return;
        }
        assertThat(method).isEqualTo("POST");
        assertThat(target.getHost()).isEqualTo(BASE.getHost());
        String seen = providerView(target.getRawPath());
        assertThat(EXACT.contains(seen) || seen.matches("/v1/models/[A-Za-z0-9._-]+:generateContent"))
                .as("%s %s reached %s", method, raw, seen).isTrue();
    }

    /** The path as a lenient server reads it: percent-decoded, ';' parameters cut, dot segments resolved. */
    private static String providerView(String rawPath) {
        List<String> out = new ArrayList<>();
        for (String segment : decode(rawPath).split("/", -1)) {
            String s = segment.split(";", 2)[0];
            if (s.equals("..")) {
                if (!out.isEmpty()) {
                    out.removeLast();
                }
            } else if (!s.equals(".")) {
                out.add(s);
            }
        }
        return String.join("/", out);
    }

    private static String decode(String raw) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%' && i + 2 < raw.length()) {
                bytes.write(Integer.parseInt(raw.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                bytes.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Provide
    Arbitrary<String> methods() {
        return Arbitraries.of("POST", "GET", "DELETE", "PUT", "post", "PATCH", "HEAD");
    }

    @Provide
    Arbitrary<String> paths() {
        return Arbitraries.of(PIECES).list().ofMinSize(1).ofMaxSize(7).map(parts -> {
            StringBuilder out = new StringBuilder();
            for (int i = 0; i < parts.size(); i++) {
                String p = parts.get(i);
                boolean joins = p.startsWith(":") || p.startsWith(";") || p.startsWith("%") || i == 0;
                out.append(joins || p.equals("/") || p.equals("//") ? "" : "/").append(p);
            }
            return out.toString();
        });
    }
}
