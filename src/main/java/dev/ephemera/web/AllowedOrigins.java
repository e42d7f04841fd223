package dev.ephemera.web;

import dev.ephemera.url.Origins;
import io.micronaut.context.annotation.Context;
import io.micronaut.core.annotation.Nullable;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The browser origins the broker answers (CORS) and accepts WebSockets from: {@code ephemera.cors.allowed-origins}
 * and every {@link OriginSource}'s (each profile's allowed origins). Compared in canonical form, exactly: no
 * wildcards, no suffix matching, so {@code https://app.example.com.evil.example} is not
 * {@code https://app.example.com}.
 */
@Context
public final class AllowedOrigins {

    private final Set<String> origins;

    AllowedOrigins(CorsConfiguration cors, List<OriginSource> sources) {
        Set<String> all = new LinkedHashSet<>();
        sources.forEach(source -> all.addAll(source.allowedOrigins()));
        if (cors.allowedOrigins() != null) {
            for (String o : cors.allowedOrigins()) {
                if ("*".equals(o.trim())) {
                    throw new IllegalStateException("ephemera.cors.allowed-origins may not be *: list the origins");
                }
                String canonical = Origins.canonical(o);
                if (canonical == null) {
                    throw new IllegalStateException("ephemera.cors.allowed-origins: " + o + " is not an origin");
                }
                all.add(canonical);
            }
        }
        this.origins = Set.copyOf(all);
    }

    /** Whether a browser at {@code origin} (the raw header) may call the broker. */
    public boolean allows(@Nullable String origin) {
        String canonical = Origins.canonical(origin);
        return canonical != null && origins.contains(canonical);
    }
}
