package dev.ephemera.async;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;

/** Helpers for the stores' asynchronous methods. */
public final class Stages {

    private Stages() {
    }

    /**
     * A stage completed now with what {@code step} returns, or failed with what it throws: the asynchronous form of
     * a step that needs no I/O (the in-memory stores).
     */
    public static <T> CompletionStage<T> now(Supplier<T> step) {
        try {
            return CompletableFuture.completedFuture(step.get());
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * The failure a stage ended with, without the {@link CompletionException} or {@link ExecutionException} wrapping
     * that stages and futures add.
     */
    public static Throwable cause(Throwable failure) {
        Throwable t = failure;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
