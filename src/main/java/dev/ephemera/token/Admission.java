package dev.ephemera.token;

/**
 * The limits a mint is admitted under (SPEC §7), which the door it came through decides and {@link TokenMinter}
 * applies: the doors translate HTTP, the minter admits.
 */
public enum Admission {
    /**
     * A backend's or a service's mint ({@code POST /v1/tokens}, the OAuth token endpoint, the OpenAI-compatible
     * mint): per API key (per user for user JWTs) a minute, and a key's daily budget of tokens.
     */
    CALLER,
    /** A browser's mint ({@code /realtime-token}): per client address a minute first, then as {@link #CALLER}. */
    BROWSER
}
