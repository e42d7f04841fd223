package dev.ephemera.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.Resource;
import com.nimbusds.jose.util.ResourceRetriever;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.ConfigurableJWTProcessor;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.ephemera.logging.RepeatedLog;
import dev.ephemera.metrics.OperationsMetrics;
import io.micronaut.core.annotation.Nullable;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One issuer of caller JWTs ({@code ephemera.auth.issuers.<name>}), checked at start-up, and Nimbus's
 * {@code DefaultJWTProcessor} for its tokens: its keys (configured, or its JWKS through Nimbus's
 * {@code JWKSourceBuilder}: cached 5 minutes, refreshed on an unknown key id as its rate limit allows, kept through
 * an outage), its algorithms, its {@code typ}, and {@code iss}, {@code aud}, {@code exp} and {@code sub} required
 * with 5 s of clock skew. A key is only ever taken from here, never from the token.
 */
final class JwtIssuer {

    static final Set<JWSAlgorithm> SUPPORTED = Set.of(JWSAlgorithm.ES256, JWSAlgorithm.RS256, JWSAlgorithm.EdDSA);
    private static final Duration SKEW = Duration.ofSeconds(5);
    private static final Duration JWKS_TTL = Duration.ofMinutes(5);
    private static final Duration JWKS_MIN_REFRESH = Duration.ofSeconds(30);
    private static final Duration JWKS_FETCH_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration JWKS_OUTAGE_TOLERANCE = Duration.ofHours(1);
    private static final int JWKS_MAX_BYTES = 512 * 1024;
    private static final Logger LOG = LoggerFactory.getLogger(JwtIssuer.class);
    private static final RepeatedLog REPEATED = new RepeatedLog(LOG);

    final String name;
    final String iss;
    final String audience;
    final Set<JWSAlgorithm> algorithms;
    final boolean users;
    final String typ;
    /** Nimbus's processor, configured to SPEC §3: the issuer's keys, algorithms, typ, iss, aud, exp and sub. */
    final ConfigurableJWTProcessor<SecurityContext> processor;

    /** The issuer {@code p}; each failed fetch of its JWKS (none configured: never) is counted in {@code metrics}. */
    JwtIssuer(IssuerProperties p, Clock clock, @Nullable HttpClient http, OperationsMetrics metrics) {
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
        JWKSource<SecurityContext> keys = hasKeys ? new ImmutableJWKSet<>(parse(p.publicKeys(), prefix))
                : fetched(p.name(), URI.create(p.jwksUri()), new NoRedirects(p.name(), http, metrics));
        this.processor = processor(keys, clock);
    }

    /**
     * The JWKS at {@code uri}, through Nimbus's source: cached for 5 minutes, refreshed (a key id it does not know)
     * at most as often as its rate limit allows, the last good set kept through an outage of the issuer.
     */
    private static JWKSource<SecurityContext> fetched(String name, URI uri, ResourceRetriever retriever) {
        try {
            return JWKSourceBuilder.<SecurityContext>create(uri.toURL(), retriever)
                    .cache(JWKS_TTL.toMillis(), JWKS_FETCH_TIMEOUT.toMillis())
                    .rateLimited(JWKS_MIN_REFRESH.toMillis())
                    .refreshAheadCache(false)
                    .retrying(false)
                    .outageTolerant(JWKS_OUTAGE_TOLERANCE.toMillis())
                    .build();
        } catch (java.net.MalformedURLException | IllegalArgumentException e) {
            throw new IllegalStateException("ephemera.auth.issuers." + name + ".jwks-uri is not a URL");
        }
    }

    private ConfigurableJWTProcessor<SecurityContext> processor(JWKSource<SecurityContext> keys, Clock clock) {
        DefaultJWTProcessor<SecurityContext> jwt = new DefaultJWTProcessor<>();
        jwt.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(new JOSEObjectType(typ),
                new JOSEObjectType("application/" + typ)));
        // RSA keys under 2048 bits are never used, whatever the issuer publishes.
        JWKSource<SecurityContext> strong = (selector, context) -> keys.get(selector, context).stream()
                .filter(key -> !(key instanceof RSAKey rsa) || rsa.size() >= 2048).toList();
        jwt.setJWSKeySelector(new JWSVerificationKeySelector<>(algorithms, strong));
        // Nimbus asks these sets whether they hold null: mutable sets, as List.of's and Set.of's refuse the question.
        Set<String> audiences = new HashSet<>(List.of(audience));
        Set<String> required = new HashSet<>(List.of("iss", "aud", "exp", "sub"));
        DefaultJWTClaimsVerifier<SecurityContext> claims = new DefaultJWTClaimsVerifier<>(audiences,
                new JWTClaimsSet.Builder().issuer(iss).build(), required, null) {
            @Override
            protected Date currentTime() {
                return Date.from(clock.instant());
            }
        };
        claims.setMaxClockSkew((int) SKEW.toSeconds());
        jwt.setJWTClaimsSetVerifier(claims);
        return jwt;
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

    /**
     * A JWKS fetched with the JDK's client: never following a redirect, at most 512 KiB, within 5 s, a JWK set. Each
     * fetch that fails (an error, another status than 200, a body too large or not a JWK set) is counted under the
     * issuer's configured name, never its URL.
     */
    private record NoRedirects(String issuer, HttpClient http, OperationsMetrics metrics)
            implements ResourceRetriever {

        @Override
        public Resource retrieveResource(URL url) throws IOException {
            try {
                HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(url.toURI())
                        .timeout(JWKS_FETCH_TIMEOUT).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
                try (InputStream in = r.body()) {
                    if (r.statusCode() != 200) {
                        REPEATED.warn("JWKS of issuer {} answered HTTP {}", issuer, r.statusCode());
                        throw new IOException("JWKS answered HTTP " + r.statusCode());
                    }
                    byte[] body = in.readNBytes(JWKS_MAX_BYTES + 1);
                    if (body.length > JWKS_MAX_BYTES) {
                        throw new IOException("JWKS larger than " + JWKS_MAX_BYTES + " bytes");
                    }
                    String text = new String(body, StandardCharsets.UTF_8);
                    try {
                        JWKSet.parse(text);
                    } catch (ParseException e) {
                        throw new IOException("JWKS is not a JWK set");
                    }
                    return new Resource(text, r.headers().firstValue("Content-Type").orElse(null));
                }
            } catch (java.net.URISyntaxException e) {
                metrics.jwksFetchFailed(issuer);
                throw new IOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                metrics.jwksFetchFailed(issuer);
                throw new IOException(e);
            } catch (IOException e) {
                metrics.jwksFetchFailed(issuer);
                REPEATED.warn("JWKS of issuer {} could not be fetched: {}", issuer, e.getClass().getSimpleName());
                throw e;
            }
        }
    }
}
