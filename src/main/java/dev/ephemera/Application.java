package dev.ephemera;

import io.micronaut.runtime.Micronaut;

/** Starts the Ephemera broker. */
public final class Application {

    private Application() {
    }

    public static void main(String[] args) {
        Micronaut.run(Application.class, args);
    }
}
