package io.tributary.client.internal;

import io.tributary.client.TimeoutException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Accounts the producer's buffer memory, one reservation per batch. {@link #reserve} blocks while
 * the memory is used up, in arrival order is not guaranteed (waiters are woken together).
 */
public final class BufferPool {
    private final long totalBytes;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition freed = lock.newCondition();
    private long availableBytes;
    private volatile boolean closed;

    public BufferPool(long totalBytes) {
        this.totalBytes = totalBytes;
        this.availableBytes = totalBytes;
    }

    public long totalBytes() {
        return totalBytes;
    }

    /**
     * Takes {@code bytes}, waiting up to {@code maxBlockMs}.
     *
     * @throws TimeoutException (definite) when the memory did not free up in time
     */
    public void reserve(int bytes, long maxBlockMs) {
        lock.lock();
        try {
            if (availableBytes >= bytes) {
                availableBytes -= bytes;
                return;
            }
            long remainingNs = TimeUnit.MILLISECONDS.toNanos(maxBlockMs);
            while (availableBytes < bytes) {
                if (closed) {
                    throw new IllegalStateException("producer is closed");
                }
                if (remainingNs <= 0) {
                    throw new TimeoutException("failed to allocate " + bytes + " bytes of buffer memory within "
                            + maxBlockMs + " ms (bufferMemory=" + totalBytes + ")", true, null);
                }
                remainingNs = freed.awaitNanos(remainingNs);
            }
            availableBytes -= bytes;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TimeoutException("interrupted while waiting for buffer memory", true, e);
        } finally {
            lock.unlock();
        }
    }

    public void release(int bytes) {
        lock.lock();
        try {
            availableBytes += bytes;
            freed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    public long availableBytes() {
        lock.lock();
        try {
            return availableBytes;
        } finally {
            lock.unlock();
        }
    }

    public void close() {
        closed = true;
        lock.lock();
        try {
            freed.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
