package dev.ephemera.token.jwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.Ed25519Verifier;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import io.micronaut.context.annotation.Context;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's signing key, and the one before it: loaded from configuration, or generated for development
 * with a WARN. Loaded at start-up ({@link Context}) so a bad key stops the boot with a clear message.
 */
@Context
final class SigningKeys {

    private static final Logger LOG = LoggerFactory.getLogger(SigningKeys.class);

    private final JWSAlgorithm algorithm;
    private final JWK current;
    private final JWSSigner signer;
    private final Map<String, JWSVerifier> verifiers;
    private final List<JWK> published;

    SigningKeys(SigningConfiguration config) {
        this.algorithm = algorithm(config.algorithm());
        this.current = loadCurrent(config, algorithm);
        try {
            this.signer = signer(current);
            List<JWK> keys = new ArrayList<>(List.of(current.toPublicJWK()));
            if (config.previousKeyFile() != null) {
                JWK previous = withKeyId(parse(read(config.previousKeyFile()),
                        "ephemera.tokens.signing.previous-key-file"));
                keys.add(previous.toPublicJWK());
            }
            this.published = List.copyOf(keys);
            Map<String, JWSVerifier> byKid = new HashMap<>();
            for (JWK k : published) {
                byKid.put(k.getKeyID(), verifier(k));
            }
            this.verifiers = Map.copyOf(byKid);
        } catch (JOSEException e) {
            throw new IllegalStateException("ephemera.tokens.signing: the key cannot sign " + algorithm, e);
        }
    }

    JWSAlgorithm algorithm() {
        return algorithm;
    }

    String keyId() {
        return current.getKeyID();
    }

    JWSSigner signer() {
        return signer;
    }

    /** The verifier for the published key with this {@code kid}, if there is one. */
    Optional<JWSVerifier> verifier(String kid) {
        return Optional.ofNullable(kid).map(verifiers::get);
    }

    /** Public keys for the JWKS: the current one first, then the previous one. */
    List<JWK> published() {
        return published;
    }

    private static JWSAlgorithm algorithm(String name) {
        return switch (name.toUpperCase(Locale.ROOT)) {
            case "ES256" -> JWSAlgorithm.ES256;
            case "RS256" -> JWSAlgorithm.RS256;
            case "EDDSA", "ED25519" -> JWSAlgorithm.EdDSA;
            default -> throw new IllegalStateException(
                    "ephemera.tokens.signing.algorithm must be ES256, EdDSA or RS256, was " + name);
        };
    }

    private static JWK loadCurrent(SigningConfiguration config, JWSAlgorithm algorithm) {
        JWK key;
        if (config.keyFile() != null) {
            key = parse(read(config.keyFile()), "ephemera.tokens.signing.key-file");
        } else if (config.key() != null && !config.key().isBlank()) {
            key = parse(config.key(), "ephemera.tokens.signing.key");
        } else {
            key = generate(algorithm);
            LOG.warn("No signing key configured (ephemera.tokens.signing.key-file): generated a {} development key, "
                    + "kid {}. JWT tokens will not verify after a restart or on another replica.",
                    algorithm, key.getKeyID());
            return key;
        }
        key = withKeyId(key);
        if (!fits(key, algorithm)) {
            throw new IllegalStateException("ephemera.tokens.signing: a " + key.getKeyType() + " key cannot sign "
                    + algorithm + "; give an EC P-256 key for ES256, Ed25519 for EdDSA, RSA (>= 2048 bits) for RS256");
        }
        LOG.info("Signing JWT tokens with {} key {}", algorithm, key.getKeyID());
        return key;
    }

    private static String read(String file) {
        try {
            return Files.readString(Path.of(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read signing key file " + file + ": " + e.getMessage(), e);
        }
    }

    private static JWK parse(String text, String property) {
        try {
            JWK key = text.trim().startsWith("{") ? JWK.parse(text) : PemKeys.parse(text);
            if (!key.isPrivate()) {
                throw new IllegalStateException(property + " holds a public key; the broker needs the private key");
            }
            return key;
        } catch (ParseException | JOSEException e) {
            // The message of a parse failure may quote the key: do not pass it on.
            throw new IllegalStateException(property + " is neither a PEM private key nor a private JWK");
        }
    }

    private static JWK withKeyId(JWK key) {
        if (key.getKeyID() != null) {
            return key;
        }
        try {
            String kid = key.computeThumbprint().toString();
            return switch (key) {
                case ECKey ec -> new ECKey.Builder(ec).keyID(kid).build();
                case RSAKey rsa -> new RSAKey.Builder(rsa).keyID(kid).build();
                case OctetKeyPair okp -> new OctetKeyPair.Builder(okp).keyID(kid).build();
                default -> throw new IllegalStateException("unsupported signing key type " + key.getKeyType());
            };
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot compute the signing key's thumbprint", e);
        }
    }

    private static boolean fits(JWK key, JWSAlgorithm algorithm) {
        return switch (key) {
            case ECKey ec -> algorithm == JWSAlgorithm.ES256 && Curve.P_256.equals(ec.getCurve());
            case RSAKey rsa -> algorithm == JWSAlgorithm.RS256 && rsa.size() >= 2048;
            case OctetKeyPair okp -> algorithm == JWSAlgorithm.EdDSA && Curve.Ed25519.equals(okp.getCurve());
            default -> false;
        };
    }

    private static JWK generate(JWSAlgorithm algorithm) {
        try {
            if (algorithm == JWSAlgorithm.ES256) {
                return new ECKeyGenerator(Curve.P_256).keyUse(KeyUse.SIGNATURE).algorithm(algorithm)
                        .keyIDFromThumbprint(true).generate();
            }
            if (algorithm == JWSAlgorithm.EdDSA) {
                // Bouncy Castle, which signs too: Nimbus's generator (Tink) builds its tables first, 0.2 s of a start.
                Ed25519PrivateKeyParameters key = new Ed25519PrivateKeyParameters(new SecureRandom());
                return new OctetKeyPair.Builder(Curve.Ed25519,
                        Base64URL.encode(key.generatePublicKey().getEncoded()))
                        .d(Base64URL.encode(key.getEncoded())).keyUse(KeyUse.SIGNATURE).algorithm(algorithm)
                        .keyIDFromThumbprint().build();
            }
            return new RSAKeyGenerator(2048).keyUse(KeyUse.SIGNATURE).algorithm(algorithm)
                    .keyIDFromThumbprint(true).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot generate a development signing key", e);
        }
    }

    /**
     * The broker's own signers for P-256 and Ed25519 (Bouncy Castle; RFC 6979 nonces, tested against its vectors
     * and Nimbus's verifiers), not Nimbus's stock ones on the JDK's provider and Tink: side by side in one run
     * ({@code bench/signers.sh}) the broker mints 37% more ES256 and 27% more EdDSA JWTs a second with them.
     */
    private static JWSSigner signer(JWK key) throws JOSEException {
        return switch (key) {
            case ECKey ec -> new P256FastSigner(ec);
            case RSAKey rsa -> new RSASSASigner(rsa);
            case OctetKeyPair okp -> new Ed25519FastSigner(okp);
            default -> throw new JOSEException("unsupported key type " + key.getKeyType());
        };
    }

    private static JWSVerifier verifier(JWK key) throws JOSEException {
        return switch (key) {
            case ECKey ec -> new ECDSAVerifier(ec);
            case RSAKey rsa -> new RSASSAVerifier(rsa);
            case OctetKeyPair okp -> new Ed25519Verifier(okp);
            default -> throw new JOSEException("unsupported key type " + key.getKeyType());
        };
    }
}
