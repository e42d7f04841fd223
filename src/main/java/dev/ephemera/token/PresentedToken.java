package dev.ephemera.token;

import io.micronaut.core.annotation.Nullable;
import java.util.Optional;

/**
 * A token as a client presented it, read once by {@link TokenStrategy#read} (hashed, and a JWT's signature checked)
 * and then passed along: looking at it and taking its use work on this, never on the text again. It also keeps its
 * token's {@link SessionConfig} once read, so that a look and the use that follows parse the stored config once.
 * Holds no secret: only the store key.
 */
public final class PresentedToken {

    /** A presented value that is not a token of ours (garbage, a forgery, or nothing): it costs no lookup. */
    public static final PresentedToken NONE = new PresentedToken(null);

    @Nullable
    private final String hash;
    @Nullable
    private SessionConfig config;

    PresentedToken(@Nullable String hash) {
        this.hash = hash;
    }

    /** Whether it is a well-formed token of ours, worth a lookup. */
    public boolean wellFormed() {
        return hash != null;
    }

    /** The store key, when well formed. */
    Optional<String> hash() {
        return Optional.ofNullable(hash);
    }

    /** The token's session config as stored ({@code text}), read once per presentation. */
    @Nullable
    synchronized SessionConfig config(@Nullable String text) {
        if (text == null) {
            return null;
        }
        if (config == null || !config.text().equals(text)) {
            config = SessionConfig.parse(text);
        }
        return config;
    }

    @Override
    public String toString() {
        return hash == null ? "PresentedToken[not ours]" : "PresentedToken[well formed]";
    }
}
