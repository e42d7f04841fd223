package dev.ephemera.token.jwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import java.text.ParseException;
import java.time.Instant;
import java.util.Date;
import java.util.Optional;

/**
 * Signs and checks the broker's own JWT tokens ({@code typ: eph+jwt}). Nimbus stays inside this package. A JWT
 * is checked offline here (signature, {@code typ}, {@code alg}, {@code kid}, {@code iss}) before any store
 * lookup, so a forged one costs no Redis round trip.
 */
@Singleton
public final class JwtTokens {

    public static final JOSEObjectType TYPE = new JOSEObjectType("eph+jwt");

    private final SigningKeys keys;

    JwtTokens(SigningKeys keys) {
        this.keys = keys;
    }

    /** The JWS algorithm tokens are signed with ({@code ES256}, {@code EdDSA} or {@code RS256}). */
    public String algorithm() {
        return keys.algorithm().getName();
    }

    /** Claims of one token. Null claims are left out. */
    public record Claims(String issuer, String subject, String audience, Instant issuedAt, Instant expiresAt,
            String id, String provider, @Nullable String model, @Nullable String origin, String scope) {
    }

    public String sign(Claims c) {
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
                .issuer(c.issuer())
                .subject(c.subject())
                .audience(c.audience())
                .issueTime(Date.from(c.issuedAt()))
                .expirationTime(Date.from(c.expiresAt()))
                .jwtID(c.id())
                .claim("provider", c.provider())
                .claim("scope", c.scope());
        if (c.model() != null) {
            claims.claim("model", c.model());
        }
        if (c.origin() != null) {
            claims.claim("origin", c.origin());
        }
        JWSHeader header = new JWSHeader.Builder(keys.algorithm()).keyID(keys.keyId()).type(TYPE).build();
        SignedJWT jwt = new SignedJWT(header, claims.build());
        try {
            jwt.sign(keys.signer());
        } catch (JOSEException e) {
            throw new IllegalStateException("signing failed", e);
        }
        return jwt.serialize();
    }

    /** Whether {@code candidate} has the shape of a compact JWS at all. */
    public static boolean looksLikeJwt(String candidate) {
        return candidate.startsWith("eyJ") && candidate.chars().filter(ch -> ch == '.').count() == 2;
    }

    /**
     * The {@code jti} and {@code exp} of a token this broker signed for {@code issuer}; empty when the signature,
     * algorithm, key id, type or issuer is not ours, or critical headers are present.
     */
    public Optional<Verified> verify(String compact, String issuer) {
        try {
            SignedJWT jwt = SignedJWT.parse(compact);
            JWSHeader header = jwt.getHeader();
            if (!keys.algorithm().equals(header.getAlgorithm()) || !TYPE.equals(header.getType())
                    || header.getCriticalParams() != null || header.getJWKURL() != null || header.getJWK() != null
                    || header.getX509CertURL() != null) {
                return Optional.empty();
            }
            Optional<JWSVerifier> verifier = keys.verifier(header.getKeyID());
            if (verifier.isEmpty() || !jwt.verify(verifier.get())) {
                return Optional.empty();
            }
            JWTClaimsSet claims = jwt.getJWTClaimsSet();
            if (!issuer.equals(claims.getIssuer()) || claims.getJWTID() == null || claims.getExpirationTime() == null) {
                return Optional.empty();
            }
            return Optional.of(new Verified(claims.getJWTID(), claims.getExpirationTime().toInstant()));
        } catch (ParseException | JOSEException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** What a verified token says about itself. */
    public record Verified(String id, Instant expiresAt) {
    }
}
