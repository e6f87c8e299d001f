package io.tributary.client.internal;

import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.tributary.client.NetworkException;
import io.tributary.client.TimeoutException;
import io.tributary.client.TributaryException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** Unary calls over async stubs as futures, and transport failures as typed exceptions. */
public final class Rpc {
    private Rpc() {
    }

    /** Starts a unary call; the future completes on a transport thread. */
    public static <T> CompletableFuture<T> call(Consumer<StreamObserver<T>> invoker) {
        CompletableFuture<T> future = new CompletableFuture<>();
        try {
            invoker.accept(new StreamObserver<>() {
                @Override
                public void onNext(T value) {
                    future.complete(value);
                }

                @Override
                public void onError(Throwable t) {
                    future.completeExceptionally(t);
                }

                @Override
                public void onCompleted() {
                    if (!future.isDone()) {
                        future.completeExceptionally(new IllegalStateException("call completed without a response"));
                    }
                }
            });
        } catch (RuntimeException e) {
            future.completeExceptionally(e);
        }
        return future;
    }

    /**
     * A transport failure (non-OK gRPC status or a client-side error) as an <em>indefinite</em>
     * exception: DEADLINE_EXCEEDED becomes {@link TimeoutException}, everything else
     * {@link NetworkException}. A {@link TributaryException} passes through unchanged.
     */
    public static TributaryException transportFailure(Throwable t, String what) {
        Throwable cause = unwrap(t);
        if (cause instanceof TributaryException te) {
            return te;
        }
        Status status = cause instanceof StatusRuntimeException sre ? sre.getStatus()
                : cause instanceof StatusException se ? se.getStatus() : null;
        if (status == null) {
            return new NetworkException(what + " failed: " + cause, false, cause);
        }
        String message = what + " failed with gRPC status " + status.getCode()
                + (status.getDescription() == null ? "" : " (" + status.getDescription() + ")");
        return switch (status.getCode()) {
            case DEADLINE_EXCEEDED -> new TimeoutException(message, false, cause);
            case UNAVAILABLE, CANCELLED, ABORTED, RESOURCE_EXHAUSTED, UNKNOWN -> new NetworkException(message, true, cause);
            default -> new NetworkException(message, false, cause);
        };
    }

    /** Waits for a future with a timeout, converting every failure to a {@link TributaryException}. */
    public static <T> T await(CompletableFuture<T> future, long timeoutMs, String what) {
        try {
            return future.get(Math.max(0, timeoutMs), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            future.cancel(false);
            throw new NetworkException(what + " interrupted", false, e);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new TimeoutException(what + " did not complete in " + timeoutMs + " ms", false, e);
        } catch (ExecutionException e) {
            throw transportFailure(e.getCause(), what);
        }
    }

    public static Throwable unwrap(Throwable t) {
        Throwable cause = t;
        while ((cause instanceof java.util.concurrent.CompletionException || cause instanceof ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }
}
