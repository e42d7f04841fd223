package dev.ephemera.webhook;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.ephemera.audit.AuditLog;
import dev.ephemera.audit.BrokerEvent;
import dev.ephemera.auth.Caller;
import dev.ephemera.auth.Permission;
import dev.ephemera.error.BrokerException;
import dev.ephemera.error.ErrorCode;
import dev.ephemera.secret.Secrets;
import dev.ephemera.web.StrictBody;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.authentication.Authentication;
import io.micronaut.serde.annotation.Serdeable;
import io.micronaut.serde.config.naming.SnakeCaseStrategy;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;

/**
 * {@code /v1/webhooks} (SPEC §11, permission {@code webhook}): subscriptions, their signing secrets (shown once, at
 * creation and rotation) and their recent deliveries. A caller sees and changes its own subscriptions; an admin all.
 */
@Controller("/v1/webhooks")
@Secured(Permission.ROLE_WEBHOOK)
final class WebhookController {

    private static final java.util.regex.Pattern ID = java.util.regex.Pattern.compile("wh_[A-Za-z0-9]{24}");
    private static final SecureRandom RANDOM = new SecureRandom();
    /** How long the secret before a rotation still signs beside the new one. */
    private static final long ROTATION_GRACE_SECONDS = 24 * 3600;

    @Serdeable.Deserializable
    record Create(
            @NotEmpty(message = "'url' is required.")
            @Size(max = 2048, message = "'url' may be at most 2048 characters.")
            @Nullable String url,
            @NotEmpty(message = "'events' is required: a list of event types.")
            @Size(max = 16, message = "'events' may hold at most 16 items.")
            @Nullable List<@Pattern(regexp = "[a-z_.]{1,32}", message = "Each of 'events' must be an event type.")
                    String> events,
            @Pattern(regexp = "[^\\x00-\\x1F\\x7F-\\x9F]{0,256}",
                    message = "'description' must be at most 256 printable characters.")
            @Nullable String description) {
    }

    /** A subscription as the API shows it: never its secret, except {@code secret} at creation and rotation. */
    @Serdeable(naming = SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record View(String id, String object, String url, List<String> events, @Nullable String description,
            long createdAt, @Nullable String secret) {

        static View of(Subscription s, @Nullable String secret) {
            return new View(s.id(), "webhook", s.url(), s.events(), s.description(), s.createdAt(), secret);
        }
    }

    private final WebhookStore store;
    private final WebhookEvents events;
    private final WebhookTargets targets;
    private final AuditLog audit;
    private final Clock clock;
    /** URLs are resolved here, off the event loops. */
    private final Executor resolver = Executors.newVirtualThreadPerTaskExecutor();

    WebhookController(WebhookStore store, WebhookEvents events, WebhookConfiguration config,
            AuditLog audit, Clock clock) {
        this.store = store;
        this.events = events;
        this.audit = audit;
        this.clock = clock;
        this.targets = new WebhookTargets(config.allowPrivateTargets());
    }

    @Post(consumes = MediaType.APPLICATION_JSON, produces = MediaType.APPLICATION_JSON)
    CompletionStage<HttpResponse<View>> create(@StrictBody Create fields, Authentication authentication) {
        for (String type : fields.events()) {
            if (!WebhookEvents.TYPES.contains(type)) {
                throw BrokerException.invalid("events", "Unknown event type in 'events'; known: "
                        + WebhookEvents.TYPES.stream().sorted().toList() + ".");
            }
        }
        Caller caller = Caller.of(authentication);
        return CompletableFuture.supplyAsync(() -> checked(fields.url()), resolver).thenCompose(url -> {
            Subscription s = new Subscription("wh_" + Secrets.randomBase62(24), caller.id(),
                    caller.has(Permission.ADMIN), url, List.copyOf(new java.util.TreeSet<>(fields.events())),
                    fields.description(), clock.instant().getEpochSecond(), newSecret(), null, null);
            // Answered once every replica knows of it: events recorded after the 201 are all its own.
            return store.save(s).thenCompose(saved -> events.known()).thenApply(known -> {
                audit.record(new BrokerEvent.WebhookCreated(caller.id(), s.id(), s.events()));
                return HttpResponse.created(View.of(s, s.secret()));
            });
        });
    }

    @Get(produces = MediaType.APPLICATION_JSON)
    CompletionStage<Map<String, Object>> list(Authentication authentication) {
        Caller caller = Caller.of(authentication);
        return store.subscriptions().thenApply(all -> Map.of("object", "list", "data", all.stream()
                .filter(s -> visible(s, caller)).map(s -> View.of(s, null)).toList()));
    }

    @Get(uri = "/{id}", produces = MediaType.APPLICATION_JSON)
    CompletionStage<View> get(@PathVariable String id, Authentication authentication) {
        return mine(id, Caller.of(authentication)).thenApply(s -> View.of(s, null));
    }

    @Delete("/{id}")
    CompletionStage<HttpResponse<Void>> delete(@PathVariable String id, Authentication authentication) {
        Caller caller = Caller.of(authentication);
        return mine(id, caller).thenCompose(s -> store.delete(s.id())).thenApply(deleted -> {
            audit.record(new BrokerEvent.WebhookDeleted(caller.id(), id));
            return HttpResponse.<Void>noContent();
        });
    }

    /** A new secret; the old one signs beside it for 24 hours, so receivers can switch without losing events. */
    @Post(uri = "/{id}/rotate", produces = MediaType.APPLICATION_JSON)
    CompletionStage<View> rotate(@PathVariable String id, Authentication authentication) {
        Caller caller = Caller.of(authentication);
        return mine(id, caller).thenCompose(s -> {
            Subscription rotated = s.rotated(newSecret(), clock.instant().getEpochSecond() + ROTATION_GRACE_SECONDS);
            return store.save(rotated).thenApply(saved -> {
                audit.record(new BrokerEvent.WebhookRotated(caller.id(), id));
                return View.of(rotated, rotated.secret());
            });
        });
    }

    @Get(uri = "/{id}/deliveries", produces = MediaType.APPLICATION_JSON)
    CompletionStage<Map<String, Object>> deliveries(@PathVariable String id, Authentication authentication) {
        return mine(id, Caller.of(authentication)).thenCompose(s -> store.deliveries(s.id(), 100)).thenApply(all ->
                Map.of("object", "list", "data", all.stream().map(d -> Map.of("id", d.id(), "event_id",
                        d.eventId(), "type", d.type(), "status", d.status(), "attempts", d.attempts(),
                        "last_attempt_at", d.lastAttemptAt() == null ? 0L : d.lastAttemptAt(), "last_result",
                        d.lastResult() == null ? "" : d.lastResult())).toList()));
    }

    private CompletionStage<Subscription> mine(String id, Caller caller) {
        if (!ID.matcher(id).matches()) {
            throw BrokerException.invalid("id", "A webhook id looks like wh_ followed by 24 letters and digits.");
        }
        return store.find(id).thenApply(found -> found.filter(s -> visible(s, caller)).orElseThrow(() ->
                new BrokerException(ErrorCode.NOT_FOUND, "No webhook with this id belongs to this caller.")));
    }

    private static boolean visible(Subscription s, Caller caller) {
        return caller.has(Permission.ADMIN) || s.owner().equals(caller.id());
    }

    private String checked(String url) {
        try {
            return targets.check(url).uri().toString();
        } catch (WebhookTargets.Refused e) {
            throw new CompletionException(BrokerException.invalid("url", e.getMessage()));
        }
    }

    private static String newSecret() {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        return "whsec_" + Base64.getEncoder().encodeToString(key);
    }
}
