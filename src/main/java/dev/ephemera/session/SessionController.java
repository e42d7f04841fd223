package dev.ephemera.session;

import dev.ephemera.audit.AuditLog;
import dev.ephemera.audit.BrokerEvent;
import dev.ephemera.auth.Caller;
import dev.ephemera.auth.Permission;
import dev.ephemera.error.BrokerException;
import dev.ephemera.error.ErrorCode;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.authentication.Authentication;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;

/**
 * {@code /v1/sessions} (SPEC §11): the live relay sessions of every replica, with their usage so far, and the kill
 * switch for one. A caller sees and ends the sessions opened with tokens it minted; an admin sees and ends all.
 */
@Controller("/v1/sessions")
final class SessionController {

    private static final Pattern SESSION_ID = Pattern.compile("ses_[A-Za-z0-9]{24}");

    private final SessionStore store;
    private final LiveSessions sessions;
    private final AuditLog audit;

    SessionController(SessionStore store, LiveSessions sessions, AuditLog audit) {
        this.store = store;
        this.sessions = sessions;
        this.audit = audit;
    }

    @Get(produces = MediaType.APPLICATION_JSON)
    @Secured(Permission.ROLE_READ)
    CompletionStage<Map<String, Object>> list(Authentication authentication) {
        Caller caller = Caller.of(authentication);
        return store.live(caller.has(Permission.ADMIN) ? null : caller.id())
                .thenApply(live -> Map.of("object", "list", "data", live));
    }

    @Get(uri = "/{id}", produces = MediaType.APPLICATION_JSON)
    @Secured(Permission.ROLE_READ)
    CompletionStage<LiveSession> get(@PathVariable String id, Authentication authentication) {
        return visible(checked(id), Caller.of(authentication)).thenApply(found -> found.orElseThrow(
                SessionController::notFound));
    }

    /** Ends the session now, on whichever replica holds it; the client is told why (close 1008). */
    @Delete("/{id}")
    @Secured(Permission.ROLE_WRITE)
    CompletionStage<HttpResponse<Void>> end(@PathVariable String id, Authentication authentication) {
        Caller caller = Caller.of(authentication);
        return visible(checked(id), caller).thenCompose(found -> {
            LiveSession session = found.orElseThrow(SessionController::notFound);
            return sessions.end(session.id(), "ended_by_backend").thenApply(ended -> {
                if (!ended) {
                    throw notFound();
                }
                audit.record(new BrokerEvent.SessionEnded(caller.id(), session.id(), session.tokenId(),
                        "ended_by_backend"));
                return HttpResponse.<Void>noContent();
            });
        });
    }

    private CompletionStage<Optional<LiveSession>> visible(String id, Caller caller) {
        return store.find(id).thenApply(found -> found.filter(s -> caller.has(Permission.ADMIN)
                || s.keyId().equals(caller.id())));
    }

    private static String checked(String id) {
        if (!SESSION_ID.matcher(id).matches()) {
            throw BrokerException.invalid("id", "A session id looks like ses_ followed by 24 letters and digits.");
        }
        return id;
    }

    private static BrokerException notFound() {
        return new BrokerException(ErrorCode.NOT_FOUND, "No live session with this id was opened with a token of "
                + "this caller.");
    }
}
