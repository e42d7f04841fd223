package dev.ephemera.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.ExpiredJWTException;
import dev.ephemera.error.BrokerException;
import dev.ephemera.error.ErrorCode;
import dev.ephemera.logging.RepeatedLog;
import dev.ephemera.metrics.OperationsMetrics;
import io.micronaut.context.annotation.Context;
import io.micronaut.core.annotation.Nullable;
import java.net.http.HttpClient;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks JWTs from the configured issuers (SPEC §3), with Nimbus's processor for each ({@link JwtIssuer}) and these
 * rules of ours around it: the algorithm is one the issuer allows (never {@code none}
 * or HMAC), the key comes only from the issuer's configured keys or JWKS (never from {@code jku}, {@code x5u},
 * {@code jwk} or {@code x5c} in the token), {@code crit} is refused, {@code kid} is a plain name, {@code typ} is
 * the issuer's, {@code iss}, {@code aud} and {@code exp} are required, and clock skew is at most 5 s. A token over
 * 8 KiB is refused before it is parsed.
 */
@Context
public final class JwtCallers {

    /** Role of browser users: they may only mint from profiles on {@code /realtime-token}. */
    public static final String ROLE_USER = "user";
    static final int MAX_LENGTH = 8192;
    private static final Duration SKEW = Duration.ofSeconds(5);
    private static final Pattern KID = Pattern.compile("[A-Za-z0-9._-]{1,128}");
    private static final Logger LOG = LoggerFactory.getLogger(JwtCallers.class);
    private static final RepeatedLog REPEATED = new RepeatedLog(LOG);

    private final Map<String, JwtIssuer> byIssuer = new HashMap<>();
    private final Clock clock;

    JwtCallers(List<IssuerProperties> issuers, Clock clock, OperationsMetrics metrics) {
        this.clock = clock;
        boolean fetches = issuers.stream().anyMatch(p -> (p.publicKeys() == null || p.publicKeys().isEmpty())
                && p.jwksUri() != null && !p.jwksUri().isBlank());
        // Only for issuers with a JWKS URL, so none without one: building it sets up TLS, 0.1–0.2 s of a start.
        HttpClient http = fetches ? HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
                .followRedirects(HttpClient.Redirect.NEVER).build() : null;
        for (IssuerProperties p : issuers) {
            JwtIssuer issuer = new JwtIssuer(p, clock, http, metrics);
            if (p.publicKeys() == null || p.publicKeys().isEmpty()) {
                metrics.jwksIssuer(issuer.name);
            }
            if (byIssuer.put(issuer.iss, issuer) != null) {
                throw new IllegalStateException("ephemera.auth.issuers: two issuers claim iss " + issuer.iss);
            }
        }
    }

    /** Whether any issuer is configured. */
    public boolean any() {
        return !byIssuer.isEmpty();
    }

    /**
     * The caller a JWT stands for.
     *
     * @throws BrokerException {@code invalid_token} for any token that fails a check, saying which check
     */
    public Caller verify(String token) {
        if (token.length() > MAX_LENGTH) {
            throw invalid("it is too large");
        }
        SignedJWT jwt;
        JWTClaimsSet claims;
        try {
            jwt = SignedJWT.parse(token);
            claims = jwt.getJWTClaimsSet();
        } catch (ParseException | RuntimeException | StackOverflowError e) {
            throw invalid("it is not a signed JWT");
        }
        JwtIssuer issuer = claims.getIssuer() == null ? null : byIssuer.get(claims.getIssuer());
        if (issuer == null) {
            throw invalid("its issuer is not trusted here");
        }
        JWSHeader header = jwt.getHeader();
        if (header.getJWKURL() != null || header.getJWK() != null || header.getX509CertURL() != null
                || header.getX509CertChain() != null || header.getCriticalParams() != null) {
            throw invalid("its header names keys or critical extensions, which are never honoured");
        }
        if (!issuer.algorithms.contains(header.getAlgorithm())) {
            throw invalid("its algorithm is not allowed for this issuer");
        }
        if (!issuer.typ.equals(normalisedTyp(header.getType()))) {
            throw invalid("its type is not the one this issuer's tokens carry");
        }
        String kid = header.getKeyID();
        if (kid != null && !KID.matcher(kid).matches()) {
            throw invalid("its key id is malformed");
        }
        JWTClaimsSet verified;
        try {
            verified = issuer.processor.process(jwt, null);
        } catch (ExpiredJWTException e) {
            throw new BrokerException(ErrorCode.EXPIRED_TOKEN, "The bearer JWT has expired; get a new one.");
        } catch (BadJWTException e) {
            // Nimbus's message may quote the token's claims: never passed on.
            throw invalid("its claims are not accepted (iss, aud, exp, nbf and sub are checked)");
        } catch (BadJOSEException | JOSEException e) {
            throw invalid("no key of its issuer verifies its signature");
        }
        if (verified.getIssueTime() != null
                && clock.instant().plus(SKEW).isBefore(verified.getIssueTime().toInstant())) {
            throw invalid("it was issued in the future");
        }
        String sub = verified.getSubject();
        if (sub.isEmpty() || sub.length() > 256) {
            throw invalid("its subject is empty or too long");
        }
        String id = "jwt:" + issuer.name + ":" + sub;
        if (issuer.users) {
            return new Caller(id, Set.of(), List.of(), List.of(), sub, true, null, null, KeyBudget.NONE);
        }
        return new Caller(id, permissions(verified), List.of(), List.of(), sub, false, null, null,
                KeyBudget.NONE);
    }

    private static String normalisedTyp(@Nullable JOSEObjectType typ) {
        if (typ == null) {
            return "";
        }
        String t = typ.getType().toLowerCase(Locale.ROOT);
        return t.startsWith("application/") ? t.substring("application/".length()) : t;
    }

    private static Set<Permission> permissions(JWTClaimsSet claims) {
        List<String> scopes = new ArrayList<>();
        for (String claim : new String[] {"scope", "scp"}) {
            Object value = claims.getClaim(claim);
            if (value instanceof String s) {
                scopes.addAll(List.of(s.split(" ")));
            } else if (value instanceof Collection<?> c) {
                c.forEach(v -> scopes.add(String.valueOf(v)));
            }
        }
        Set<Permission> out = EnumSet.noneOf(Permission.class);
        for (String scope : scopes) {
            String name = scope.startsWith("ephemera:") ? scope.substring("ephemera:".length()) : scope;
            Permission p = Permission.fromWire(name);
            if (p != null) {
                out.add(p);
            }
        }
        return out;
    }

    private static BrokerException invalid(String why) {
        return new BrokerException(ErrorCode.INVALID_TOKEN, "The bearer JWT is not accepted: " + why + ".");
    }
}
