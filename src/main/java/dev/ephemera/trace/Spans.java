package dev.ephemera.trace;

import dev.ephemera.error.BrokerException;
import io.micronaut.core.annotation.Nullable;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/** Ends spans the same way everywhere: a refusal as its error code, never its message or anything it quotes. */
public final class Spans {

    private Spans() {
    }

    /** The stage {@code work} gives, with {@code span} ended when it completes (or when {@code work} throws). */
    public static <T> CompletionStage<T> traced(Span span, Supplier<? extends CompletionStage<T>> work) {
        CompletionStage<T> stage;
        try {
            stage = work.get();
        } catch (RuntimeException e) {
            end(span, e);
            throw e;
        }
        return stage.whenComplete((value, failed) -> end(span, failed));
    }

    /** Ends {@code span}; when {@code failure} is not null, as failed with its error code (or its class's name). */
    public static void end(Span span, @Nullable Throwable failure) {
        if (failure != null) {
            failed(span, failure);
        }
        span.end();
    }

    /** Marks {@code span} failed: {@code error.type} is the broker's error code, else the exception's class. */
    public static void failed(Span span, Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        String type = cause instanceof BrokerException refused ? refused.errorCode().code()
                : cause.getClass().getSimpleName();
        span.setAttribute(GenAi.ERROR_TYPE, type);
        span.setStatus(StatusCode.ERROR, type);
    }
}
