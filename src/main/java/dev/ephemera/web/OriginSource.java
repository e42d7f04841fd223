package dev.ephemera.web;

import java.util.Set;

/**
 * A feature that lets browsers at more origins call the broker (profiles do: each names its pages). The HTTP layer
 * asks every such bean and knows none of them.
 */
public interface OriginSource {

    /** Origins in canonical form. */
    Set<String> allowedOrigins();
}
