package dev.ephemera.apikey;

import dev.ephemera.audit.AuditLog;
import dev.ephemera.audit.BrokerEvent;
import dev.ephemera.auth.Caller;
import dev.ephemera.auth.ClientSecrets;
import dev.ephemera.auth.KeyBudget;
import dev.ephemera.auth.Permission;
import dev.ephemera.error.BrokerException;
import dev.ephemera.error.ErrorCode;
import dev.ephemera.secret.PrefixedSecret;
import dev.ephemera.secret.Secrets;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Value;
import io.micronaut.context.env.Environment;
import io.micronaut.core.annotation.Nullable;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * API keys: {@code ephk_<16-char id><43-char secret><6-char checksum>}. The id is part of the key, so a lookup
 * goes straight to one record, and the checksum lets garbage be refused without a lookup. Only the SHA-256 of a
 * key is stored; the key itself is returned once, at creation or rotation.
 */
@Context
public final class ApiKeyService implements ClientSecrets {

    public static final PrefixedSecret FORMAT = new PrefixedSecret("ephk_", 16 + Secrets.SECRET_CHARS);
    /** The id the bootstrap admin key ({@code EPHEMERA_ADMIN_KEY}) acts under. */
    public static final String BOOTSTRAP_ID = "key_bootstrap";
    /** The admin key of the development environment ({@code application-dev.yml}): published, so never secret. */
    public static final String DEV_ADMIN_KEY = "dev-admin-key-0123456789abcdef0123456789";
    private static final Logger LOG = LoggerFactory.getLogger(ApiKeyService.class);
    private static final Duration TOUCH_EVERY = Duration.ofMinutes(1);

    private final ApiKeyStore store;
    private final AuditLog audit;
    private final Clock clock;
    private final String bootstrapHash;

    ApiKeyService(ApiKeyStore store, AuditLog audit, Clock clock,
            @Value("${ephemera.admin-key:}") @Nullable String adminKey, Environment environment) {
        this.store = store;
        this.audit = audit;
        this.clock = clock;
        if (adminKey != null && !adminKey.isEmpty() && adminKey.length() < 32) {
            throw new IllegalStateException("ephemera.admin-key (EPHEMERA_ADMIN_KEY) must be at least 32 characters");
        }
        if (DEV_ADMIN_KEY.equals(adminKey)) {
            // Asked of the environment: the placeholder ${redis.uri:${redis.uris:}} resolves to "}" when neither is
            // set, which refused the development key on every machine (DevEnvironmentTest).
            if (environment.containsProperty("redis.uri") || environment.containsProperty("redis.uris")) {
                throw new IllegalStateException("ephemera.admin-key is the published development key; set "
                        + "EPHEMERA_ADMIN_KEY to a secret of your own before using a shared store (redis.uri, "
                        + "redis.uris)");
            }
            LOG.warn("Development admin key active (application-dev.yml): anyone who read the README can "
                    + "administer this broker. Use ./mvnw mn:run for development only.");
        }
        this.bootstrapHash = adminKey == null || adminKey.isEmpty() ? null : Secrets.sha256Hex(adminKey);
        if (bootstrapHash == null) {
            LOG.info("No EPHEMERA_ADMIN_KEY set: only keys created through the admin API authenticate.");
        }
    }

    /**
     * An OAuth client's credentials (RFC 6749 §2.3.1): {@code client_id} must be the id of the key given as
     * {@code client_secret} ({@link #BOOTSTRAP_ID} for the bootstrap key), then the key is checked as any other.
     */
    @Override
    public CompletionStage<Caller> authenticate(String clientId, String clientSecret) {
        String id = FORMAT.body(clientSecret) != null ? idOf(clientSecret)
                : bootstrapHash != null ? BOOTSTRAP_ID : null;
        if (id == null || !id.equals(clientId)) {
            return CompletableFuture.failedFuture(new BrokerException(ErrorCode.INVALID_API_KEY, "client_id must be "
                    + "the id of the key given as client_secret."));
        }
        return authenticate(clientSecret);
    }

    /** A new key and the record stored for it. The key is not kept anywhere. */
    public record Created(ApiKeyRecord record, String key) {
    }

    /** Everything a new key may be given at creation; a null budget is none. */
    public record Spec(String name, Set<Permission> permissions, @Nullable Duration expiresIn,
            List<String> allowedOrigins, List<String> allowedProviders, @Nullable Integer rateLimitPerMinute,
            KeyBudget budget) {

        public Spec {
            budget = budget == null ? KeyBudget.NONE : budget;
        }
    }

    public CompletionStage<Created> create(Spec spec, String actor) {
        String key = FORMAT.generate(Secrets.randomBase62(16));
        Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        ApiKeyRecord record = new ApiKeyRecord(idOf(key), spec.name(), EnumSet.copyOf(spec.permissions()),
                Secrets.sha256Hex(key), null, null, now, spec.expiresIn() == null ? null : now.plus(spec.expiresIn()),
                null, null, spec.allowedOrigins(), spec.allowedProviders(), spec.rateLimitPerMinute(),
                spec.budget());
        return store.create(record).thenApply(created -> {
            audit.record(new BrokerEvent.KeyCreated(actor, record.id(),
                    record.permissions().stream().map(Permission::wireName).sorted().toList()));
            return new Created(record, key);
        });
    }

    /**
     * The caller a presented key stands for, without blocking: a store lookup, when one is needed, completes on the
     * store's I/O thread; the bootstrap key and anything malformed are decided at once. The stage fails with
     * {@code invalid_api_key} (malformed, unknown or wrong secret), {@code revoked_api_key},
     * {@code expired_api_key} or {@code store_unavailable}.
     */
    public CompletionStage<Caller> authenticate(String presented) {
        if (bootstrapHash != null && !presented.startsWith(FORMAT.prefix())) {
            return Secrets.constantTimeEquals(bootstrapHash, Secrets.sha256Hex(presented))
                    ? CompletableFuture.completedFuture(Caller.apiKey(BOOTSTRAP_ID, EnumSet.of(Permission.ADMIN),
                            List.of(), List.of(), null, KeyBudget.NONE))
                    : CompletableFuture.failedFuture(invalidKey());
        }
        if (FORMAT.body(presented) == null) {
            return CompletableFuture.failedFuture(invalidKey());
        }
        return store.find(idOf(presented)).thenApply(record -> verify(record, presented));
    }

    private Caller verify(Optional<ApiKeyRecord> found, String presented) {
        Instant now = clock.instant();
        ApiKeyRecord record = found.orElseThrow(ApiKeyService::invalidKey);
        String hash = Secrets.sha256Hex(presented);
        boolean current = Secrets.constantTimeEquals(hash, record.secretHash());
        boolean previous = record.previousSecretHash() != null && record.previousExpiresAt() != null
                && now.isBefore(record.previousExpiresAt())
                && Secrets.constantTimeEquals(hash, record.previousSecretHash());
        if (!current && !previous) {
            throw invalidKey();
        }
        if (record.revokedAt() != null) {
            throw new BrokerException(ErrorCode.REVOKED_API_KEY,
                    "This API key has been revoked; ask an admin for a new one.");
        }
        if (record.expiresAt() != null && !now.isBefore(record.expiresAt())) {
            throw new BrokerException(ErrorCode.EXPIRED_API_KEY,
                    "This API key has expired; ask an admin for a new one.");
        }
        touchLater(record, now);
        return Caller.apiKey(record.id(), record.permissions(), record.allowedOrigins(), record.allowedProviders(),
                record.rateLimitPerMinute(), record.budget());
    }

    public CompletionStage<List<ApiKeyRecord>> list() {
        return store.list();
    }

    /** The key with this id; the stage fails with {@code not_found} when there is none. */
    public CompletionStage<ApiKeyRecord> get(String id) {
        return store.find(id).thenApply(found -> found.orElseThrow(ApiKeyService::notFound));
    }

    /**
     * A new secret for key {@code id}; the current one stays valid for {@code grace}. The stage fails with
     * {@code not_found}, or {@code invalid_request} for a revoked key.
     */
    public CompletionStage<Created> rotate(String id, Duration grace, String actor) {
        String key = FORMAT.generate(id.substring("key_".length()));
        return get(id).thenCompose(current -> {
            if (current.revokedAt() != null) {
                throw BrokerException.invalid("id", "A revoked key cannot be rotated; create a new one.");
            }
            Instant previousValidUntil = clock.instant().plus(grace).truncatedTo(ChronoUnit.MILLIS);
            return store.rotate(id, Secrets.sha256Hex(key), previousValidUntil);
        }).thenApply(rotated -> {
            audit.record(new BrokerEvent.KeyRotated(actor, id, grace.toSeconds()));
            return new Created(rotated.orElseThrow(ApiKeyService::notFound), key);
        });
    }

    /** Revokes key {@code id}; the stage fails with {@code not_found} when there is none. */
    public CompletionStage<ApiKeyRecord> revoke(String id, String actor) {
        return store.revoke(id, clock.instant().truncatedTo(ChronoUnit.MILLIS)).thenApply(found -> {
            ApiKeyRecord revoked = found.orElseThrow(ApiKeyService::notFound);
            audit.record(new BrokerEvent.KeyRevoked(actor, id));
            return revoked;
        });
    }

    /** The {@code key_…} id of a well-formed key. */
    static String idOf(String key) {
        return "key_" + key.substring(FORMAT.prefix().length(), FORMAT.prefix().length() + 16);
    }

    /** Records use at most once a minute, off the request's path; losing one such write loses nothing. */
    private void touchLater(ApiKeyRecord record, Instant now) {
        if (record.lastUsedAt() != null && record.lastUsedAt().plus(TOUCH_EVERY).isAfter(now)) {
            return;
        }
        store.touch(record.id(), now.truncatedTo(ChronoUnit.MILLIS)).exceptionally(failed -> {
            LOG.debug("Could not record last use of {}", record.id());
            return null;
        });
    }

    private static BrokerException invalidKey() {
        return new BrokerException(ErrorCode.INVALID_API_KEY, "The API key is not valid. Check that it was copied "
                + "whole; keys look like ephk_ followed by 65 letters and digits.");
    }

    private static BrokerException notFound() {
        return new BrokerException(ErrorCode.NOT_FOUND, "No API key with this id.");
    }

    /** Whether {@code id} names a key of the store (the bootstrap key is not one). */
    public static Optional<String> validId(String id) {
        return id.length() == 20 && id.startsWith("key_") && Secrets.isBase62(id, 4, 20)
                ? Optional.of(id) : Optional.empty();
    }
}
