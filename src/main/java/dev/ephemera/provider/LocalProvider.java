package dev.ephemera.provider;

import java.net.URI;
import java.util.List;

/**
 * A provider that runs inside the broker's process (the development {@code echo}): the registry adds it beside the
 * presets, so the relays reach it like any other provider, over the network with its key.
 *
 * @param baseUrl   where it listens, on the loopback interface
 * @param apiKey    the key it expects, made at start-up
 * @param endpoints what the HTTP relay may reach on it
 */
public record LocalProvider(String name, URI baseUrl, String apiKey, List<String> endpoints) {

    @Override
    public String toString() {
        return "LocalProvider[" + name + " at " + baseUrl + "]";
    }
}
