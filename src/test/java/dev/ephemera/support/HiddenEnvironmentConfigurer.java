package dev.ephemera.support;

import io.micronaut.context.ApplicationContextBuilder;
import io.micronaut.context.ApplicationContextConfigurer;
import io.micronaut.context.env.CachedEnvironment;
import java.lang.reflect.Field;
import java.util.function.UnaryOperator;

/**
 * Hides the developer's environment ({@link TestEnvironment}) from every application context built in a JVM that
 * holds the tests' classes: Micronaut applies the configurers registered as services (META-INF/services) to each
 * {@code ApplicationContext.builder()}, {@code run(…)} and {@code Micronaut.build()}, whichever test makes it.
 * Contexts read no environment variable as configuration at all (a test's configuration is its own properties);
 * what Micronaut reads by name besides ({@code MICRONAUT_ENVIRONMENTS}, {@code MICRONAUT_CONFIG_FILES},
 * {@code ${REDIS_URI}} placeholders) goes through {@link CachedEnvironment#getenv(String)}, whose stand-in for
 * {@link System#getenv(String)} answers nothing for a hidden variable. Micronaut keeps that stand-in for its own
 * tests in a private field and offers no setter: DeveloperEnvironmentTest fails if it stops being read.
 */
public final class HiddenEnvironmentConfigurer implements ApplicationContextConfigurer {

    private static final UnaryOperator<String> VISIBLE = name -> TestEnvironment.hidden(name) ? null
            : System.getenv(name);

    static {
        try {
            Field getenv = CachedEnvironment.class.getDeclaredField("getenv");
            getenv.setAccessible(true);
            getenv.set(null, VISIBLE);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("Micronaut's CachedEnvironment changed: the tests cannot hide the "
                    + "developer's environment from Micronaut", e);
        }
    }

    @Override
    public void configure(ApplicationContextBuilder builder) {
        builder.environmentPropertySource(false);
    }
}
