package dev.ephemera.provider;

import dev.ephemera.error.BrokerException;
import dev.ephemera.error.ErrorCode;
import io.micronaut.core.annotation.Nullable;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One provider as the relays use it: where it is, how it takes its key, and the key itself, read at each use so
 * that rotation needs no restart. Vertex AI's key is a Google access token, fetched and refreshed in the background
 * ({@link GoogleAccessTokens}).
 */
public final class Provider {

    /** Gemini's Live API (its WebSocket) under a base URL: the provider's, and the broker's relay of a provider's. */
    public static final String GEMINI_LIVE_PATH = "/ws/google.ai.generativelanguage.v1beta.GenerativeService"
            + ".BidiGenerateContent";
    /** What a Live session's {@code setup} names a model under, at Gemini's API. */
    private static final String MODELS = "models/";

    private final String name;
    private final URI baseUri;
    private final URI realtimeUri;
    private final AuthStyle authStyle;
    private final Map<String, String> headers;
    private final KeySource primary;
    private final KeySource secondary;
    private final List<EndpointPattern> allowedEndpoints;
    @Nullable
    private final VertexLocation vertex;
    @Nullable
    private final GoogleAccessTokens accessTokens;
    /** Whether it speaks both realtime protocols (the development provider), not only its realtime URL's. */
    private final boolean bothProtocols;

    Provider(String name, URI baseUri, URI realtimeUri, AuthStyle authStyle, Map<String, String> headers,
            KeySource primary, KeySource secondary, List<EndpointPattern> allowedEndpoints) {
        this(name, baseUri, realtimeUri, authStyle, headers, primary, secondary, allowedEndpoints, null, null, false);
    }

    /** This provider, speaking Google's Live API beside OpenAI's realtime protocol (the development provider). */
    Provider speakingBoth() {
        return new Provider(name, baseUri, realtimeUri, authStyle, headers, primary, secondary, allowedEndpoints,
                vertex, accessTokens, true);
    }

    /** A Vertex AI provider: its project and location, and the access tokens its requests carry. */
    static Provider vertex(String name, URI baseUri, URI realtimeUri, Map<String, String> headers,
            List<EndpointPattern> allowedEndpoints, VertexLocation location, GoogleAccessTokens accessTokens) {
        return new Provider(name, baseUri, realtimeUri, AuthStyle.BEARER, headers, KeySource.none(),
                KeySource.none(), allowedEndpoints, location, accessTokens, false);
    }

    private Provider(String name, URI baseUri, URI realtimeUri, AuthStyle authStyle, Map<String, String> headers,
            KeySource primary, KeySource secondary, List<EndpointPattern> allowedEndpoints,
            @Nullable VertexLocation vertex, @Nullable GoogleAccessTokens accessTokens, boolean bothProtocols) {
        this.bothProtocols = bothProtocols;
        this.vertex = vertex;
        this.accessTokens = accessTokens;
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

    /**
     * The realtime WebSocket URL (without the {@code model} query): {@code ws(s)} of the base URL and
     * {@code /realtime} (OpenAI's protocol); Gemini's Live API for {@code gemini}
     * ({@code …/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent} under the base URL) and
     * {@code vertex} ({@code wss://{host}/ws/google.cloud.aiplatform.v1.LlmBidiService/BidiGenerateContent});
     * {@code realtime-url} overrides.
     */
    public URI realtimeUri() {
        return realtimeUri;
    }

    /**
     * The Live API's WebSocket URL, for a provider that speaks Google's Live API: its realtime URL when that is a Live
     * API's ({@code …BidiGenerateContent}), else {@code ws(s)} of the base URL and Gemini's Live path (the
     * development provider {@code echo}, whose realtime URL is OpenAI's protocol).
     */
    public URI liveUri() {
        return liveApi() ? realtimeUri : URI.create(baseUri.toString().replaceFirst("^http", "ws") + GEMINI_LIVE_PATH);
    }

    /** Whether its realtime sessions speak Google's Live API ({@link #liveUri}). */
    public boolean speaksLive() {
        return liveApi() || bothProtocols;
    }

    /** Whether its realtime sessions speak OpenAI's realtime protocol ({@link #realtimeUri}). */
    public boolean speaksOpenAiRealtime() {
        return !liveApi() || bothProtocols;
    }

    private boolean liveApi() {
        return realtimeUri.getPath() != null && realtimeUri.getPath().endsWith("BidiGenerateContent");
    }

    /**
     * The model name a Live session's {@code setup} carries for {@code model}: {@code models/{model}}, and on Vertex
     * AI {@code projects/{project}/locations/{location}/publishers/google/models/{model}}. A model given as
     * {@code models/…} is taken without that prefix first, so it is not doubled.
     */
    public String liveModel(String model) {
        String bare = model.startsWith(MODELS) ? model.substring(MODELS.length()) : model;
        return vertex != null ? vertex.model(bare) : MODELS + bare;
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

    /**
     * Headers sent upstream on every request: the key in the provider's style, then configured headers; empty when
     * the provider has no key. Vertex AI's key is the access token held now ({@code Authorization: Bearer}).
     *
     * @throws BrokerException {@code upstream_error} for Vertex AI while no unexpired access token is held (Google's
     *                         token endpoint failing past the last token's expiry, a key file that is not one):
     *                         the provider fails closed, and recovers once a token is fetched again
     */
    public Optional<Map<String, String>> upstreamHeaders() {
        if (accessTokens != null) {
            String token = accessTokens.current().orElseThrow(() -> new BrokerException(ErrorCode.UPSTREAM_ERROR,
                    "The provider '" + name + "' could not get an access token from Google; retry later."));
            Map<String, String> all = new java.util.LinkedHashMap<>(headers);
            all.putAll(authStyle.headers(token));
            return Optional.of(all);
        }
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

    /** Whether tokens may be minted for it: a key (for Vertex AI, a project: its token is fetched) and a base URL. */
    public boolean isConfigured() {
        return (accessTokens != null || key().isPresent()) && !baseUri.toString().isEmpty();
    }

    String primarySource() {
        return accessTokens != null ? accessTokens.description() : primary.description();
    }

    /** Starts what runs in the background for it (Vertex AI's token refresh). */
    void start() {
        if (accessTokens != null) {
            accessTokens.start();
        }
    }

    /** Stops what runs in the background for it. */
    void close() {
        if (accessTokens != null) {
            accessTokens.close();
        }
    }

    String secondarySource() {
        return secondary.description();
    }

    Map<String, String> configuredHeaders() {
        return headers;
    }
}
