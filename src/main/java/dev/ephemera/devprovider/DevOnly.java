package dev.ephemera.devprovider;

import io.micronaut.context.env.Environment;

/**
 * What is for development only (the {@code echo} provider, the demo page's credential) refuses to start where a
 * shared store ({@code redis.uri}, {@code redis.uris}) says this is a deployment, unless {@code
 * ephemera.dev-provider.allow-with-redis} says it is a development broker all the same.
 */
public final class DevOnly {

    static final String ALLOW = "ephemera.dev-provider.allow-with-redis";

    private DevOnly() {
    }

    /**
     * @param property what turned it on, as configuration names it
     * @throws IllegalStateException when a shared store is configured and not explicitly allowed
     */
    public static void refuseWithSharedStore(Environment environment, String property) {
        boolean shared = environment.containsProperty("redis.uri") || environment.containsProperty("redis.uris");
        if (shared && !environment.getProperty(ALLOW, Boolean.class, false)) {
            throw new IllegalStateException(property + " is for development, and a shared store (redis.uri, "
                    + "redis.uris) is set: turn " + property + " off, or set " + ALLOW + "=true if this really is "
                    + "a development broker");
        }
    }
}
