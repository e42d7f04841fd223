package dev.ephemera.token;

import dev.ephemera.audit.AuditLog;
import dev.ephemera.audit.BrokerEvent;
import dev.ephemera.auth.Caller;
import dev.ephemera.error.BrokerException;
import dev.ephemera.error.ErrorCode;
import dev.ephemera.async.Stages;
import dev.ephemera.logging.RepeatedLog;
import dev.ephemera.metrics.BrokerMetrics;
import dev.ephemera.provider.Provider;
import dev.ephemera.provider.ProviderRegistry;
import dev.ephemera.provider.UpstreamKeys;
import dev.ephemera.ratelimit.MintLimits;
import dev.ephemera.secret.Secrets;
import dev.ephemera.token.jwt.JwtTokens;
import dev.ephemera.url.BrokerUrls;
import dev.ephemera.trace.GenAi;
import dev.ephemera.trace.Spans;
import dev.ephemera.trace.Tracing;
import io.micronaut.core.annotation.Nullable;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.micronaut.json.JsonMapper;
import jakarta.inject.Singleton;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mints tokens: checks a request against its caller, provider and limits, makes the secret (here, or a JWT by
 * {@link JwtTokens}) and saves its record. Generation is kept apart from persistence ({@link TokenStore}); the
 * store only ever sees the SHA-256 of a token's value. Redeeming is {@link TokenRedeemer}'s, revoking
 * {@link TokenRevoker}'s.
 */
@Singleton
public final class TokenMinter {

    private static final Logger LOG = LoggerFactory.getLogger(TokenMinter.class);
    private static final RepeatedLog REPEATED = new RepeatedLog(LOG);

    private final TokenStore store;
    private final TokenStrategy strategy;
    private final TokenConfiguration config;
    private final ProviderRegistry providers;
    private final UpstreamKeys upstreamKeys;
    private final MintLimits limits;
    private final MoneyMeasure measure;
    private final BrokerUrls urls;
    private final AuditLog audit;
    private final BrokerMetrics metrics;
    private final JsonMapper json;
    private final Clock clock;
    private final Tracing tracing;

    TokenMinter(TokenStore store, TokenStrategy strategy, TokenConfiguration config, ProviderRegistry providers,
            UpstreamKeys upstreamKeys, MintLimits limits, MoneyMeasure measure, BrokerUrls urls, AuditLog audit,
            BrokerMetrics metrics, JsonMapper json, Clock clock, Tracing tracing) {
        this.tracing = tracing;
        this.store = store;
        this.strategy = strategy;
        this.config = config;
        this.providers = providers;
        this.upstreamKeys = upstreamKeys;
        this.limits = limits;
        this.measure = measure;
        this.urls = urls;
        this.audit = audit;
        this.metrics = metrics;
        this.json = json;
        this.clock = clock;
    }

    public TokenConfiguration configuration() {
        return config;
    }

    /**
     * Mints a token for {@code caller} under {@code admission}'s limits ({@link MintLimits}), without blocking the
     * calling thread (an event loop). An opaque relay token costs a microsecond to make, so it is stored while
     * admission is decided, in the same round trip to the store: when admission fails, the record is discarded
     * before anyone saw its value. Anything that costs more (a JWT's signature, an upstream provider's key) is made
     * only once admitted. The token carries the caller's budgets of money as they are now, for the relays. The stage
     * fails with {@code unknown_provider}, {@code provider_not_configured}, {@code provider_not_allowed},
     * {@code origin_not_allowed}, {@code invalid_request} (session too large), {@code usage_not_measurable} (a limit
     * of money on a model without a price, or on an upstream key), {@code rate_limit_exceeded},
     * {@code quota_exceeded} or {@code store_unavailable}.
     */
    public CompletionStage<MintedToken> mint(Caller caller, MintRequest asked, Admission admission) {
        return mint(caller, asked, admission, Context.root());
    }

    /**
     * {@link #mint(Caller, MintRequest, Admission)} in the trace of {@code parent} (a backend's {@code traceparent}):
     * its span is the one the token carries, the parent of the spans of what it opens.
     */
    public CompletionStage<MintedToken> mint(Caller caller, MintRequest asked, Admission admission, Context parent) {
        Span span = tracing.start("mint", SpanKind.SERVER, parent);
        span.setAttribute(GenAi.KEY_ID, caller.id());
        GenAi.provider(span, asked.provider(), asked.model());
        return mint(caller, asked, admission, span).whenComplete((minted, failed) -> {
            if (minted != null) {
                span.setAttribute(GenAi.TOKEN_ID, minted.id());
            }
            Spans.end(span, failed);
        });
    }

    private CompletionStage<MintedToken> mint(Caller caller, MintRequest asked, Admission admission, Span span) {
        String subject = asked.subject();
        Long subjectBudget = asked.limits().subjectMicrosPerDay();
        Supplier<CompletionStage<Void>> admitted = switch (admission) {
            case CALLER -> () -> limits.mintAsync(caller, subject, subjectBudget);
            case BROWSER -> () -> limits.browserMintAsync(caller, caller.clientAddress(), subject, subjectBudget);
        };
        return mint(caller, asked, admitted, span);
    }

    private CompletionStage<MintedToken> mint(Caller caller, MintRequest asked,
            Supplier<CompletionStage<Void>> admission, Span span) {
        try {
            Provider provider = providers.require(asked.provider());
            MintRequest request = asked.withEndpoints(endpoints(provider, asked.endpoints())).withLimits(
                    asked.limits().withKeyBudgets(caller.budget().microsPerDay(), caller.budget().microsPerMonth()));
            if (!caller.mayUseProvider(request.provider())) {
                throw new BrokerException(ErrorCode.PROVIDER_NOT_ALLOWED,
                        "This API key may not mint tokens for provider '" + request.provider() + "'.", "provider");
            }
            if (!caller.allowedOrigins().isEmpty()
                    && (request.origin() == null || !caller.mayUseOrigin(request.origin()))) {
                throw new BrokerException(ErrorCode.ORIGIN_NOT_ALLOWED, "This API key mints only tokens bound to "
                        + "one of its allowed origins; set 'origin' to one.", "origin");
            }
            measurable(request);
            String sessionJson = SessionJson.of(json, request.session());
            if (request.mode() == TokenMode.UPSTREAM) {
                if (!UpstreamKeys.supports(provider.name())) {
                    String supported = String.join(", ", new TreeSet<>(UpstreamKeys.supported()));
                    throw BrokerException.invalid("mode", "Provider '" + provider.name() + "' has no ephemeral keys "
                            + "of its own; use mode 'relay'. Upstream mode supports " + supported + ".");
                }
                return admission.get().thenCompose(admitted -> mintUpstream(caller, request, provider, sessionJson,
                        span));
            }
            if (request.format() == TokenFormat.JWT) {
                return admission.get().thenCompose(admitted -> mintRelay(caller, request, sessionJson,
                        CompletableFuture.completedFuture(null), span));
            }
            return mintRelay(caller, request, sessionJson, admission.get().toCompletableFuture(), span);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private CompletionStage<MintedToken> mintRelay(Caller caller, MintRequest request, @Nullable String sessionJson,
            CompletableFuture<Void> admitted, Span span) {
        Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        Instant expiresAt = now.plus(request.ttl());
        String id = "tok_" + Secrets.randomBase62(24);
        TokenStrategy.Made made = request.format() == TokenFormat.JWT
                ? strategy.jwt(new JwtTokens.Claims(urls.issuer(), request.subject() != null ? request.subject()
                        : caller.id(), urls.issuer(), now, expiresAt, id, request.provider(), request.model(),
                        request.origin(), request.mode().wireName()))
                : strategy.opaque();
        TokenRecord record = new TokenRecord(id, made.hash(), request.format(), request.mode(),
                request.provider(), request.model(), request.subject(), request.origin(), request.maxUses(),
                request.maxUses(), now, expiresAt, sessionJson, request.lockedFields(), caller.id(),
                request.maxSession() == null ? null : (int) request.maxSession().toSeconds(), request.endpoints(),
                request.limits(), Tracing.traceParent(span));
        CompletableFuture<Void> saved = store.save(record).toCompletableFuture();
        return CompletableFuture.allOf(admitted, saved).handle((both, failure) -> {
            if (admitted.isCompletedExceptionally()) {
                if (!saved.isCompletedExceptionally()) {
                    discard(record);
                }
                throw new CompletionException(Stages.cause(admitted.exceptionNow()));
            }
            if (failure != null) {
                throw new CompletionException(Stages.cause(failure));
            }
            audit.record(new BrokerEvent.TokenMinted(caller.id(), id, caller.id(), record.provider(),
                    record.model(), record.format().wireName(), record.maxUses(), null, expiresAt.getEpochSecond(),
                    record.subject(), record.origin(), caller.clientAddress()), span.getSpanContext());
            metrics.minted(record.provider(), record.format().wireName(), record.mode().wireName());
            return new MintedToken(id, made.value(), "Bearer", request.format().wireName(), expiresAt.getEpochSecond(),
                    request.ttl().toSeconds(), record.provider(), record.model(), record.maxUses(),
                    record.subject(), record.origin(), record.mode().wireName(), request.session(),
                    record.lockedFields(), connect(record), shown(record.limits()));
        });
    }

    /**
     * A token under a limit of money must have every response priced: its model must have a price (a token for any
     * model is judged per request, by the HTTP relay), and it must be used at the broker's relays, not upstream.
     */
    private void measurable(MintRequest request) {
        if (!request.limits().hasMoney()) {
            return;
        }
        if (request.mode() == TokenMode.UPSTREAM) {
            throw new BrokerException(ErrorCode.USAGE_NOT_MEASURABLE, "This key has a budget of money, which only "
                    + "the broker's relays can hold; an upstream key goes to the provider directly. Use mode 'relay'.",
                    "mode");
        }
        if (request.model() != null && !measure.measurable(request.provider(), request.model())) {
            throw new BrokerException(ErrorCode.USAGE_NOT_MEASURABLE, "This token would be held to a limit of money "
                    + "(its own, its key's or its user's), and the broker has no price for its model, so it could not "
                    + "count what the token spends. Ask an operator to price the model (ephemera.pricing), or mint "
                    + "without a limit of money.", "model");
        }
    }

    /** The limits the mint answers: those the token was asked for, or none. */
    @Nullable
    private static UsageLimits shown(UsageLimits limits) {
        UsageLimits own = limits.own();
        return own.isNone() ? null : own;
    }

    /** The endpoints a token is narrowed to, in canonical form; each must be one the provider allows. */
    private static List<String> endpoints(Provider provider, List<String> asked) {
        return asked.stream().map(endpoint -> provider.allowedEndpoint(endpoint).map(Object::toString)
                .orElseThrow(() -> BrokerException.invalid("endpoints", "Each of 'endpoints' must be one of the "
                        + "provider's allowed endpoints: " + provider.allowedEndpoints() + "."))).toList();
    }

    /** Deletes the record of a refused token, whose value never left the broker; a failure leaves it to expire. */
    private void discard(TokenRecord record) {
        store.discard(record).whenComplete((done, failure) -> {
            if (failure != null) {
                REPEATED.warn("Could not discard refused token {}; it expires unused", record.id());
            }
        });
    }

    /**
     * Upstream-native mode: the provider mints its own ephemeral key, and the broker records it (by hash, under an
     * id) and audits it. The browser then talks to the provider directly, so the provider, not the broker, governs
     * how often it is used.
     */
    private CompletionStage<MintedToken> mintUpstream(Caller caller, MintRequest request, Provider provider,
            @Nullable String sessionJson, Span span) {
        Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        return upstreamKeys.mint(provider, request.model(), request.ttl(), request.maxUses(), request.session())
                .thenCompose(key -> {
                    String id = "tok_" + Secrets.randomBase62(24);
                    Instant expiresAt = key.expiresAt().truncatedTo(ChronoUnit.MILLIS);
                    TokenRecord record = new TokenRecord(id, TokenStrategy.stored(key.value()).hash(),
                            TokenFormat.OPAQUE, TokenMode.UPSTREAM, provider.name(), request.model(),
                            request.subject(), request.origin(),
                            request.maxUses(), request.maxUses(), now, expiresAt, sessionJson, request.lockedFields(),
                            caller.id(), null, request.endpoints(), UsageLimits.NONE, null);
                    return store.save(record).thenApply(saved -> upstreamMinted(caller, request, provider, record,
                            key.value(), now, span));
                });
    }

    private MintedToken upstreamMinted(Caller caller, MintRequest request, Provider provider, TokenRecord record,
            String value, Instant now, Span span) {
        Instant expiresAt = record.expiresAt();
        audit.record(new BrokerEvent.TokenMinted(caller.id(), record.id(), caller.id(), record.provider(),
                record.model(), null, null, TokenMode.UPSTREAM.wireName(), expiresAt.getEpochSecond(),
                record.subject(), null, caller.clientAddress()), span.getSpanContext());
        metrics.minted(record.provider(), TokenFormat.OPAQUE.wireName(), TokenMode.UPSTREAM.wireName());
        String model = modelQuery(record.model());
        return new MintedToken(record.id(), value, "Bearer", TokenFormat.OPAQUE.wireName(),
                expiresAt.getEpochSecond(), Math.max(0, expiresAt.getEpochSecond() - now.getEpochSecond()),
                record.provider(), record.model(), record.maxUses(), record.subject(), record.origin(),
                TokenMode.UPSTREAM.wireName(), request.session(), record.lockedFields(),
                new MintedToken.Connect(provider.realtimeUri() + model,
                        provider.baseUri() + "/realtime/calls", provider.baseUri().toString()), null);
    }

    private MintedToken.Connect connect(TokenRecord r) {
        String model = modelQuery(r.model());
        // A provider that speaks Google's Live API is reached at its path under the provider's HTTP relay.
        String websocket = providers.find(r.provider()).map(Provider::speaksOpenAiRealtime).orElse(true)
                ? "/v1/realtime" : "/v1/proxy/" + r.provider() + Provider.GEMINI_LIVE_PATH;
        return new MintedToken.Connect(urls.websocketBase() + websocket + model,
                urls.issuer() + "/v1/realtime/calls", urls.issuer() + "/v1/proxy/" + r.provider());
    }

    private static String modelQuery(@Nullable String model) {
        return model == null ? "" : "?model=" + URLEncoder.encode(model, StandardCharsets.UTF_8);
    }
}
