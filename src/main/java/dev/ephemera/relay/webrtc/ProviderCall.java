package dev.ephemera.relay.webrtc;

import dev.ephemera.provider.Provider;
import io.micronaut.core.annotation.Nullable;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A call the provider started for a browser (a WebRTC call of the realtime API, or a GPT-Live session) and how the
 * broker reaches it: the sideband WebSocket that watches it and the URL that hangs it up, both with the provider's
 * key. Only providers that offer both have calls the broker can control ({@link #controllable}).
 *
 * @param id       the provider's id of the call ({@code rtc_…}, {@code live_…}): never shown to the browser
 * @param sideband where the broker attaches ({@code wss://…/realtime?call_id=…} or {@code …/live/sessions/…/attach})
 * @param hangup   where the broker ends it ({@code POST}, no body)
 */
record ProviderCall(Kind kind, String id, URI sideband, URI hangup) {

    /** Which API started the call: its events and hang-up differ. */
    enum Kind { REALTIME, LIVE }

    /** The providers whose calls have a sideband and a hang-up: OpenAI's calls API, which Azure OpenAI's GA shares. */
    private static final Set<String> CONTROLLABLE = Set.of("openai", "azure");

    /** What a provider's call id may be; anything else is not put in a URL of ours. */
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,128}");

    /** Whether the broker can watch and end {@code provider}'s calls. */
    static boolean controllable(Provider provider) {
        return CONTROLLABLE.contains(provider.name());
    }

    /**
     * The realtime call whose answer's {@code Location} is {@code location}: {@code /v1/realtime/calls/rtc_…} (or the
     * calls path under the provider's base), relative or on the provider's origin; empty for anything else.
     */
    static Optional<ProviderCall> realtime(Provider provider, @Nullable String location) {
        return realtime(provider.baseUri(), provider.realtimeUri(), location);
    }

    static Optional<ProviderCall> realtime(URI base, URI realtime, @Nullable String location) {
        if (location == null) {
            return Optional.empty();
        }
        // Only the calls path itself, relative or on the provider's own origin: /v1/realtime/calls/{id}.
        String origin = base.getScheme() + "://" + base.getRawAuthority();
        String path = location.startsWith(origin + "/") ? location.substring(origin.length()) : location;
        String prefix = base.getRawPath() + "/realtime/calls/";
        if (!path.startsWith(prefix) && !path.startsWith("/v1/realtime/calls/")) {
            return Optional.empty();
        }
        String id = path.substring(path.startsWith(prefix) ? prefix.length() : "/v1/realtime/calls/".length());
        if (!ID.matcher(id).matches()) {
            return Optional.empty();
        }
        URI sideband = URI.create(realtime + (realtime.getRawQuery() == null ? "?" : "&") + "call_id="
                + URLEncoder.encode(id, StandardCharsets.UTF_8));
        return Optional.of(new ProviderCall(Kind.REALTIME, id, sideband,
                URI.create(base + "/realtime/calls/" + id + "/hangup")));
    }

    /** The GPT-Live session {@code id} (from the provider's answer), or empty when it is not one the broker can use. */
    /** {@code provider}'s call {@code id} of {@code kind}, as {@link #describe} wrote it; empty when it is no id. */
    static Optional<ProviderCall> of(Provider provider, Kind kind, String id) {
        return kind == Kind.LIVE ? live(provider, id)
                : realtime(provider.baseUri(), provider.realtimeUri(), "/v1/realtime/calls/" + id);
    }

    /** What hanging this call of {@code provider}'s up needs, in one line: the provider, the kind, the id. */
    String describe(String provider) {
        return provider + " " + kind + " " + id;
    }

    static Optional<ProviderCall> live(Provider provider, @Nullable String id) {
        return live(provider.baseUri(), id);
    }

    static Optional<ProviderCall> live(URI base, @Nullable String id) {
        if (id == null || !ID.matcher(id).matches()) {
            return Optional.empty();
        }
        String http = base.toString();
        URI sideband = URI.create(http.replaceFirst("^http", "ws") + "/live/sessions/" + id + "/attach");
        return Optional.of(new ProviderCall(Kind.LIVE, id, sideband,
                URI.create(http + "/live/sessions/" + id + "/hangup")));
    }
}
