package dev.ephemera.relay;

import dev.ephemera.error.BrokerException;
import dev.ephemera.error.ErrorCode;
import dev.ephemera.token.Presented;
import dev.ephemera.url.Origins;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Finds the ephemeral token a relay request presents: in {@code Authorization: Bearer}, or in the header the
 * provider's own SDK puts its key in ({@code x-api-key}, {@code api-key}, {@code x-goog-api-key}), or, for
 * browsers' WebSockets, in the subprotocol {@code openai-insecure-api-key.<token>} or
 * {@code ephemera-token.<token>}; on the Live API relay also in the query ({@code key} or {@code access_token}),
 * where Google's SDKs send their key.
 */
public final class RelayCredentials {

    static final String OPENAI_SUBPROTOCOL = "openai-insecure-api-key.";
    static final String EPHEMERA_SUBPROTOCOL = "ephemera-token.";
    /** The Live API relay's paths, where the token may come in the query as Google's SDKs send their key. */
    private static final Pattern LIVE_PATH = Pattern.compile("/+ws/.*");
    private static final Pattern REQUEST_ID = Pattern.compile("[\\x21-\\x7e]{1,128}");

    private RelayCredentials() {
    }

    /**
     * The token; {@code invalid_token} when there is none, {@code malformed_authorization} when two places
     * carry different ones.
     */
    public static String token(HttpRequest<?> request) {
        List<String> found = new ArrayList<>();
        String authorization = request.getHeaders().get(HttpHeaders.AUTHORIZATION);
        if (authorization != null) {
            if (!authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
                throw new BrokerException(ErrorCode.MALFORMED_AUTHORIZATION,
                        "The Authorization header must be 'Bearer <token>'.");
            }
            found.add(authorization.substring(7).trim());
        }
        for (String header : new String[] {"x-api-key", "api-key", "x-goog-api-key"}) {
            String value = request.getHeaders().get(header);
            if (value != null) {
                found.add(value.trim());
            }
        }
        if (LIVE_PATH.matcher(request.getPath()).matches()) {
            // Google's SDKs put their key in the Live API's URL (a browser's WebSocket takes no headers).
            for (String name : new String[] {"key", "access_token"}) {
                found.addAll(request.getParameters().getAll(name).stream().map(String::trim).toList());
            }
        }
        for (String protocol : subprotocols(request)) {
            if (protocol.startsWith(OPENAI_SUBPROTOCOL)) {
                found.add(protocol.substring(OPENAI_SUBPROTOCOL.length()));
            } else if (protocol.startsWith(EPHEMERA_SUBPROTOCOL)) {
                found.add(protocol.substring(EPHEMERA_SUBPROTOCOL.length()));
            }
        }
        if (found.isEmpty()) {
            throw new BrokerException(ErrorCode.INVALID_TOKEN, "Send the ephemeral token as 'Authorization: Bearer "
                    + "<token>' (or, from a browser WebSocket, as the subprotocol ephemera-token.<token>).");
        }
        if (found.stream().distinct().count() > 1) {
            throw new BrokerException(ErrorCode.MALFORMED_AUTHORIZATION,
                    "The request carries more than one different token; send one.");
        }
        return found.get(0);
    }

    public static List<String> subprotocols(HttpRequest<?> request) {
        List<String> out = new ArrayList<>();
        for (String header : request.getHeaders().getAll("Sec-WebSocket-Protocol")) {
            for (String p : header.split(",")) {
                if (!p.isBlank()) {
                    out.add(p.trim());
                }
            }
        }
        return out;
    }

    /**
     * The request's origin in canonical form, or {@link Presented#NOTHING} when it has none (or one that is not an
     * http(s) origin): an origin-bound token does not match it.
     */
    public static Presented origin(HttpRequest<?> request) {
        @Nullable String canonical = Origins.canonical(request.getHeaders().get(HttpHeaders.ORIGIN));
        return canonical == null ? Presented.NOTHING : Presented.of(canonical);
    }

    /** The client's {@code X-Client-Request-Id}, passed to the provider only if it is short, visible ASCII. */
    public static Optional<String> clientRequestId(HttpRequest<?> request) {
        return Optional.ofNullable(request.getHeaders().get("X-Client-Request-Id"))
                .filter(id -> REQUEST_ID.matcher(id).matches());
    }
}
