package dev.ephemera.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import dev.ephemera.logging.RepeatedLog;
import io.micronaut.core.annotation.Nullable;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One issuer of caller JWTs ({@code ephemera.auth.issuers.<name>}), checked at start-up, and its keys: configured
 * ones, or its JWKS, fetched at most every 30 s and kept 5 minutes. A key is only ever taken from here, never from
 * the token.
 */
final class JwtIssuer {

    static final Set<JWSAlgorithm> SUPPORTED = Set.of(JWSAlgorithm.ES256, JWSAlgorithm.RS256, JWSAlgorithm.EdDSA);
    private static final Duration JWKS_TTL = Duration.ofMinutes(5);
    private static final Duration JWKS_MIN_REFRESH = Duration.ofSeconds(30);
    private static final Logger LOG = LoggerFactory.getLogger(JwtIssuer.class);
    private static final RepeatedLog REPEATED = new RepeatedLog(LOG);

    private final Clock clock;
    @Nullable
    private final HttpClient http;
    final String name;
    final String iss;
    final String audience;
    final Set<JWSAlgorithm> algorithms;
    final boolean users;
    final String typ;
    final URI jwksUri;
    volatile JWKSet keys;
    volatile Instant fetchedAt = Instant.EPOCH;

    JwtIssuer(IssuerProperties p, Clock clock, @Nullable HttpClient http) {
        this.clock = clock;
        this.http = http;
        String prefix = "ephemera.auth.issuers." + p.name();
        if (p.issuer() == null || p.issuer().isBlank()) {
            throw new IllegalStateException(prefix + ".issuer is required: the exact iss of its tokens");
        }
        if (p.audience() == null || p.audience().isBlank()) {
            throw new IllegalStateException(prefix + ".audience is required: the aud its tokens carry");
        }
        boolean hasKeys = p.publicKeys() != null && !p.publicKeys().isEmpty();
        if (!hasKeys && (p.jwksUri() == null || p.jwksUri().isBlank())) {
            throw new IllegalStateException(prefix + " has no keys: set jwks-uri or public-keys");
        }
        this.name = p.name();
        this.iss = p.issuer();
        this.audience = p.audience();
        String role = p.role() == null ? "users" : p.role();
        if (!role.equals("users") && !role.equals("services")) {
            throw new IllegalStateException(prefix + ".role must be users or services, was " + role);
        }
        this.users = role.equals("users");
        this.typ = (p.typ() != null ? p.typ() : users ? "JWT" : "at+jwt").toLowerCase(Locale.ROOT);
        if (this.typ.equals("eph+jwt")) {
            throw new IllegalStateException(prefix + ".typ may not be eph+jwt: that is the broker's own");
        }
        List<String> names = p.algorithms() == null ? List.of("ES256", "RS256", "EdDSA") : p.algorithms();
        Set<JWSAlgorithm> algs = new java.util.HashSet<>();
        for (String n : names) {
            JWSAlgorithm alg = JWSAlgorithm.parse(n);
            if (!SUPPORTED.contains(alg)) {
                throw new IllegalStateException(prefix + ".algorithms: " + n + " is not allowed (only ES256, "
                        + "RS256, EdDSA)");
            }
            algs.add(alg);
        }
        this.algorithms = Set.copyOf(algs);
        this.jwksUri = hasKeys ? null : URI.create(p.jwksUri());
        this.keys = hasKeys ? parse(p.publicKeys(), prefix) : null;
    }

    private static JWKSet parse(List<String> texts, String prefix) {
        List<JWK> keys = new ArrayList<>();
        for (String text : texts) {
            try {
                JWK key = text.trim().startsWith("{") ? JWK.parse(text) : JWK.parseFromPEMEncodedObjects(text);
                if (key.isPrivate()) {
                    key = key.toPublicJWK();
                }
                keys.add(key);
            } catch (ParseException | JOSEException e) {
                throw new IllegalStateException(prefix + ".public-keys holds a key that is neither PEM nor JWK");
            }
        }
        return new JWKSet(keys);
    }

    /** The key for {@code kid} (or the only key for the algorithm when there is no kid). */
    @Nullable
    JWK key(@Nullable String kid, JWSAlgorithm alg) {
        JWK found = lookup(kid, alg);
        if (found == null && jwksUri != null && refreshAllowed()) {
            refresh();
            found = lookup(kid, alg);
        }
        return found;
    }

    private JWK lookup(@Nullable String kid, JWSAlgorithm alg) {
        JWKSet set = keys;
        if (set == null || Duration.between(fetchedAt, clock.instant()).compareTo(JWKS_TTL) > 0
                && jwksUri != null && refreshAllowed()) {
            refresh();
            set = keys;
        }
        if (set == null) {
            return null;
        }
        List<JWK> candidates = set.getKeys().stream()
                .filter(k -> kid == null || kid.equals(k.getKeyID()))
                .filter(k -> fits(k, alg))
                .toList();
        return candidates.size() == 1 ? candidates.get(0) : null;
    }

    private boolean refreshAllowed() {
        return Duration.between(fetchedAt, clock.instant()).compareTo(JWKS_MIN_REFRESH) > 0;
    }

    private synchronized void refresh() {
        fetchedAt = clock.instant();
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(jwksUri).timeout(Duration.ofSeconds(5))
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200) {
                keys = JWKSet.parse(r.body()).toPublicJWKSet();
            } else {
                REPEATED.warn("JWKS of issuer {} answered HTTP {}", name, r.statusCode());
            }
        } catch (Exception e) {
            REPEATED.warn("JWKS of issuer {} could not be fetched: {}", name, e.getClass().getSimpleName());
        }
    }

    private static boolean fits(JWK key, JWSAlgorithm alg) {
        return switch (key) {
            case ECKey ec -> alg == JWSAlgorithm.ES256;
            case RSAKey rsa -> alg == JWSAlgorithm.RS256 && rsa.size() >= 2048;
            case OctetKeyPair okp -> alg == JWSAlgorithm.EdDSA;
            default -> false;
        };
    }
}
