package dev.ephemera.token.jwt;

/** The broker's JWT signer and verifier without an application context, for unit tests of what uses it. */
public final class TestJwtTokens {

    private TestJwtTokens() {
    }

    /** A {@link JwtTokens} with a key of its own for {@code algorithm} (ES256, EdDSA or RS256). */
    public static JwtTokens create(String algorithm) {
        return new JwtTokens(new SigningKeys(new SigningConfiguration(algorithm, null, null, null)));
    }
}
