package dev.ephemera.json;

/**
 * The one nesting limit for every JSON the broker parses from outside (SPEC §7): request bodies
 * ({@code web.RequestBodies}), realtime frames and relayed bodies ({@link StrictJson}). Deeper is refused as
 * {@code invalid_json} (a frame: an error event) before any reader builds a tree of it: past about 100 levels
 * Micronaut Serde's writer fails on a tree it read, and a recursive reader's stack is the client's to fill.
 * 64 holds any session configuration a provider documents, tools' JSON schemas included, with room to spare.
 */
public final class JsonDepth {

    /** Objects and arrays inside one another, the outermost counting as 1. */
    public static final int MAX = 64;

    private JsonDepth() {
    }
}
