package dev.ephemera.support;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.time.Instant;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A test identity provider: an EC key for user tokens ({@code https://idp.test}, typ JWT) and an RSA key for
 * service tokens ({@code https://svc.test}, typ at+jwt), and the broker configuration that trusts them.
 */
public final class TestIssuer {

    public static final String USERS = "https://idp.test";
    public static final String SERVICES = "https://svc.test";
    public static final String AUDIENCE = "ephemera";

    public final ECKey userKey;
    public final RSAKey serviceKey;

    public TestIssuer() {
        try {
            userKey = new ECKeyGenerator(Curve.P_256).keyID("user-key-1").generate();
            serviceKey = new RSAKeyGenerator(2048).keyID("svc-key-1").generate();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * {@link #brokerConfig()} with the users' issuer's keys at a JWKS URL on {@code port} of 127.0.0.1 instead of
     * given inline: nothing answers there, so every fetch fails (what the JWKS failure metric counts).
     */
    public Map<String, Object> brokerConfigWithUnreachableJwks(int port) {
        Map<String, Object> config = brokerConfig();
        config.remove("ephemera.auth.issuers.app.public-keys");
        config.put("ephemera.auth.issuers.app.jwks-uri", "http://127.0.0.1:" + port + "/jwks.json");
        return config;
    }

    /** Broker properties trusting both issuers, and one profile for https://app.example.com pages. */
    public Map<String, Object> brokerConfig() {
        Map<String, Object> c = new HashMap<>();
        c.put("ephemera.auth.issuers.app.issuer", USERS);
        c.put("ephemera.auth.issuers.app.public-keys", List.of(userKey.toPublicJWK().toJSONString()));
        c.put("ephemera.auth.issuers.app.audience", AUDIENCE);
        c.put("ephemera.auth.issuers.app.role", "users");
        c.put("ephemera.auth.issuers.svc.issuer", SERVICES);
        c.put("ephemera.auth.issuers.svc.public-keys", List.of(serviceKey.toPublicJWK().toJSONString()));
        c.put("ephemera.auth.issuers.svc.audience", AUDIENCE);
        c.put("ephemera.auth.issuers.svc.role", "services");
        c.put("ephemera.profiles.voice.provider", "openai");
        c.put("ephemera.profiles.voice.model", "gpt-realtime");
        c.put("ephemera.profiles.voice.ttl", "60s");
        c.put("ephemera.profiles.voice.max-uses", 1);
        c.put("ephemera.profiles.voice.session.voice", "alloy");
        c.put("ephemera.profiles.voice.locked-fields", List.of("voice"));
        c.put("ephemera.profiles.voice.allowed-origins", List.of("https://app.example.com"));
        c.put("ephemera.profiles.voice.max-session-duration", "10m");
        return c;
    }

    public static JWTClaimsSet.Builder userClaims(String sub) {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder().issuer(USERS).subject(sub).audience(AUDIENCE)
                .issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(300)));
    }

    /** A user token, signed properly, after {@code edit} had its way with header and claims. */
    public String user(String sub, Consumer<JWSHeader.Builder> header, Consumer<JWTClaimsSet.Builder> claims) {
        JWSHeader.Builder h = new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(userKey.getKeyID())
                .type(JOSEObjectType.JWT);
        header.accept(h);
        JWTClaimsSet.Builder c = userClaims(sub);
        claims.accept(c);
        try {
            SignedJWT jwt = new SignedJWT(h.build(), c.build());
            jwt.sign(new ECDSASigner(userKey));
            return jwt.serialize();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public String user(String sub) {
        return user(sub, h -> { }, c -> { });
    }

    public static JWTClaimsSet.Builder serviceClaims(String sub, String scope) {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder().issuer(SERVICES).subject(sub).audience(AUDIENCE)
                .issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(300))).claim("scope", scope);
    }

    /** A service token with these scopes. */
    public String service(String sub, String scope) {
        return service(sub, scope, h -> { }, c -> { });
    }

    /** A service token, signed properly, after {@code edit} had its way with header and claims. */
    public String service(String sub, String scope, Consumer<JWSHeader.Builder> header,
            Consumer<JWTClaimsSet.Builder> claims) {
        JWSHeader.Builder h = new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(serviceKey.getKeyID())
                .type(new JOSEObjectType("at+jwt"));
        header.accept(h);
        JWTClaimsSet.Builder c = serviceClaims(sub, scope);
        claims.accept(c);
        try {
            SignedJWT jwt = new SignedJWT(h.build(), c.build());
            jwt.sign(new RSASSASigner(serviceKey));
            return jwt.serialize();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
