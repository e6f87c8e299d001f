package io.tributary.broker.kafka;

import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;

/** A handler's single answer as a future: the API's handlers answer through an observer, once. */
final class Answer<T> implements StreamObserver<T> {
    private final CompletableFuture<T> future = new CompletableFuture<>();

    CompletableFuture<T> future() {
        return future;
    }

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
            future.completeExceptionally(new IllegalStateException("the handler completed without an answer"));
        }
    }
}
