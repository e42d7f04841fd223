package dev.ephemera.web;

import io.micronaut.context.BeanProvider;
import io.micronaut.core.annotation.Introspected;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.beans.BeanIntrospection;
import io.micronaut.core.bind.ArgumentBinder;
import io.micronaut.core.convert.ArgumentConversionContext;
import io.micronaut.core.convert.ConversionContext;
import io.micronaut.core.convert.ConversionError;
import io.micronaut.core.type.Argument;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.bind.binders.AnnotatedRequestArgumentBinder;
import io.micronaut.http.bind.binders.PendingRequestBindingResult;
import io.micronaut.http.server.binding.RequestArgumentSatisfier;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Optional;

/**
 * Binds a {@link StrictBody} parameter: the body's text as Micronaut's own {@code @Body String} binding reads it (on
 * the event loop, without blocking: the route waits until the body is in, and a body that does not decompress fails
 * there, for {@link UndecodableBodyRoute}), then {@link RequestBodies}' rules. The rules run when the route runs,
 * after the filters (security first), and a refusal is thrown as the {@code BrokerException} it is, as it was when
 * each controller called {@link RequestBodies} itself.
 */
@Singleton
final class StrictBodyBinder implements AnnotatedRequestArgumentBinder<StrictBody, Object> {

    /** A {@code @Body String} parameter, so that the registry gives the binder Micronaut binds such a one with. */
    @Introspected
    record Text(@Body @Nullable String text) {
    }

    @SuppressWarnings("unchecked")
    private static final Argument<String> TEXT =
            (Argument<String>) BeanIntrospection.getIntrospection(Text.class).getConstructorArguments()[0];

    private final RequestBodies bodies;
    /**
     * The server's binders (its registry holds this binder): asked for the text binder on first use, not while they
     * are being built. The server's, not any {@code RequestBinderRegistry} bean: only the server's reads the body.
     */
    private final BeanProvider<RequestArgumentSatisfier> server;
    private volatile ArgumentBinder<String, HttpRequest<?>> text;

    StrictBodyBinder(RequestBodies bodies, BeanProvider<RequestArgumentSatisfier> server) {
        this.bodies = bodies;
        this.server = server;
    }

    @Override
    public Class<StrictBody> getAnnotationType() {
        return StrictBody.class;
    }

    @Override
    public BindingResult<Object> bind(ArgumentConversionContext<Object> context, HttpRequest<?> request) {
        Class<Object> type = context.getArgument().getType();
        boolean form = context.getAnnotationMetadata().booleanValue(StrictBody.class, "form").orElse(false);
        MediaType contentType = request.getContentType().orElse(null);
        ArgumentConversionContext<String> textContext = ConversionContext.of(TEXT,
                request.getLocale().orElse(null), request.getCharacterEncoding());
        BindingResult<String> read = textBinder().bind(textContext, request);
        return new Bound<>(read, body -> form ? bodies.jsonOrForm(contentType, body, type) : bodies.json(body, type));
    }

    private ArgumentBinder<String, HttpRequest<?>> textBinder() {
        ArgumentBinder<String, HttpRequest<?>> found = text;
        if (found == null) {
            found = server.get().getBinderRegistry().findArgumentBinder(TEXT).orElseThrow(
                    () -> new IllegalStateException("Micronaut binds no @Body String"));
            text = found;
        }
        return found;
    }

    /** How the text becomes the record: {@link RequestBodies}, which throws what it refuses. */
    private interface Rules<T> {
        T apply(@Nullable String body);
    }

    /**
     * The record, once the text is in: pending while the body is read, then the rules, applied once. Always pending
     * in kind, so that Micronaut asks for the value when the route runs and not while it binds.
     */
    private static final class Bound<T> implements PendingRequestBindingResult<T> {

        private final BindingResult<String> read;
        private final Rules<T> rules;
        @SuppressWarnings("OptionalUsedAsFieldOrParameterType")
        private @Nullable Optional<T> value;

        Bound(BindingResult<String> read, Rules<T> rules) {
            this.read = read;
            this.rules = rules;
        }

        @Override
        public boolean isPending() {
            return read instanceof PendingRequestBindingResult<?> pending && pending.isPending();
        }

        @Override
        public Optional<T> getValue() {
            if (value == null) {
                value = Optional.of(rules.apply(read.getValue().orElse(null)));
            }
            return value;
        }

        @Override
        public List<ConversionError> getConversionErrors() {
            return read.getConversionErrors();
        }
    }
}
