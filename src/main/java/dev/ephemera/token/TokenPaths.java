package dev.ephemera.token;

/** Where the token endpoints are (SPEC §4, §5), for their controller and the metadata that names them. */
public final class TokenPaths {

    /** Minting ({@code POST}), and the base of the paths below. */
    public static final String TOKENS = "/v1/tokens";
    /** RFC 7662 introspection, under {@link #TOKENS}. */
    public static final String INTROSPECT = "/introspect";
    /** RFC 7009 revocation, under {@link #TOKENS}. */
    public static final String REVOKE = "/revoke";

    private TokenPaths() {
    }
}
