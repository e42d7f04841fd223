package dev.ephemera.devprovider;

import dev.ephemera.provider.LocalProvider;
import dev.ephemera.secret.Secrets;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.env.Environment;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The built-in development provider {@code echo}, when {@code ephemera.dev-provider.enabled} (set only in the
 * development environment, never in the packaged defaults): an {@link EchoServer} on a loopback port with a key
 * made at start-up, registered as a provider like any other, so that the demo page and the README's examples work
 * with no provider key and no network. With a shared store ({@code redis.uri}, {@code redis.uris}) the broker
 * refuses to start with it unless {@code ephemera.dev-provider.allow-with-redis} says so: a shared store means a
 * deployment, where tokens for a provider that answers anything would only confuse.
 */
@Factory
@Requires(property = "ephemera.dev-provider.enabled", value = "true")
final class DevProvider {

    static final String NAME = "echo";

    private static final Logger LOG = LoggerFactory.getLogger(DevProvider.class);

    @Singleton
    @Bean(preDestroy = "close")
    EchoServer echoServer(Environment environment, Clock clock) {
        DevOnly.refuseWithSharedStore(environment, "ephemera.dev-provider.enabled");
        EchoServer server = new EchoServer("echo-" + Secrets.randomBase62(40), clock);
        LOG.warn("Development provider 'echo' active at {} (ephemera.dev-provider.enabled): tokens for it are "
                + "answered by this process, not by a model. Never enable it in production.", server.baseUrl());
        return server;
    }

    @Singleton
    LocalProvider echo(EchoServer server) {
        return new LocalProvider(NAME, server.baseUrl(), server.key(), List.of("POST /chat/completions"));
    }
}
