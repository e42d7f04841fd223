package dev.ephemera.provider;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One provider as the relays use it: where it is, how it takes its key, and the key itself, read at each use so
 * that rotation needs no restart.
 */
public final class Provider {

    /** Gemini's Live API under a base URL. */
    private static final String GEMINI_LIVE_PATH = "/ws/google.ai.generativelanguage.v1beta.GenerativeService"
            + ".BidiGenerateContent";

    private final String name;
    private final URI baseUri;
    private final URI realtimeUri;
    private final AuthStyle authStyle;
    private final Map<String, String> headers;
    private final KeySource primary;
    private final KeySource secondary;
    private final List<EndpointPattern> allowedEndpoints;

    Provider(String name, URI baseUri, URI realtimeUri, AuthStyle authStyle, Map<String, String> headers,
            KeySource primary, KeySource secondary, List<EndpointPattern> allowedEndpoints) {
        this.allowedEndpoints = List.copyOf(allowedEndpoints);
        this.name = name;
        this.baseUri = baseUri;
        this.realtimeUri = realtimeUri;
        this.authStyle = authStyle;
        this.headers = Map.copyOf(headers);
        this.primary = primary;
        this.secondary = secondary;
    }

    public String name() {
        return name;
    }

    /** The API's base URL; relayed paths are resolved under it and never outside it. */
    public URI baseUri() {
        return baseUri;
    }

    /** The realtime WebSocket URL (without the {@code model} query). */
    public URI realtimeUri() {
        return realtimeUri;
    }

    /**
     * The Live API's WebSocket URL, for a provider that speaks Google's Live API: its realtime URL when that is a Live
     * API's ({@code …BidiGenerateContent}), else {@code ws(s)} of the base URL and Gemini's Live path (the
     * development provider {@code echo}, whose realtime URL is OpenAI's protocol, and a base URL pointed elsewhere).
     */
    public URI liveUri() {
        return realtimeUri.getPath() != null && realtimeUri.getPath().endsWith("BidiGenerateContent") ? realtimeUri
                : URI.create(baseUri.toString().replaceFirst("^http", "ws") + GEMINI_LIVE_PATH);
    }

    /** {@code model} as a Live API setup names it. */
    public String liveModel(String model) {
        return model.startsWith("models/") ? model : "models/" + model;
    }

    /** What the HTTP relay may reach at this provider; empty for a custom provider that names none. */
    public List<EndpointPattern> allowedEndpoints() {
        return allowedEndpoints;
    }

    /** Every allowed endpoint that {@code method} and the decoded {@code path} are. */
    public List<EndpointPattern.Match> endpoints(String method, String path) {
        List<EndpointPattern.Match> matches = new ArrayList<>(1);
        for (EndpointPattern e : allowedEndpoints) {
            e.match(method, path).ifPresent(matches::add);
        }
        return matches;
    }

    /** The allowed endpoint written {@code text}, in canonical form, or empty. */
    public Optional<EndpointPattern> allowedEndpoint(String text) {
        EndpointPattern wanted;
        try {
            wanted = EndpointPattern.parse(text);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        return allowedEndpoints.stream().filter(e -> e.toString().equals(wanted.toString())).findFirst();
    }

    public AuthStyle authStyle() {
        return authStyle;
    }

    /** Headers sent upstream on every request: the key in the provider's style, then configured headers. */
    public Optional<Map<String, String>> upstreamHeaders() {
        return key().map(k -> {
            Map<String, String> all = new java.util.LinkedHashMap<>(headers);
            all.putAll(authStyle.headers(k));
            return all;
        });
    }

    /** The key to use now: the primary, or the secondary while the primary is absent. */
    Optional<String> key() {
        Optional<String> key = primary.current();
        return key.isPresent() ? key : secondary.current();
    }

    public boolean isConfigured() {
        return key().isPresent() && !baseUri.toString().isEmpty();
    }

    String primarySource() {
        return primary.description();
    }

    String secondarySource() {
        return secondary.description();
    }

    Map<String, String> configuredHeaders() {
        return headers;
    }
}
