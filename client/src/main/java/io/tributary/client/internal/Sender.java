package io.tributary.client.internal;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The producer's single I/O thread, the driver of its {@link ProduceDispatcher}: each loop it runs
 * the completions the transport handed over (responses), polls the dispatcher, and parks until the
 * dispatcher's next deadline or a wake-up (a new batch, a response, a metadata update).
 */
public final class Sender implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(Sender.class);

    private final ConcurrentLinkedQueue<Runnable> completions = new ConcurrentLinkedQueue<>();
    private final ProduceDispatcher dispatcher;
    private final LongSupplier clockMs;
    private volatile boolean running = true;
    private volatile boolean forceClose;
    private volatile Thread thread;
    /** When the parked sender wakes by itself (ms), or {@link #RUNNING}. */
    private volatile long parkedUntilMs = RUNNING;
    private static final long RUNNING = Long.MIN_VALUE;

    /** @param dispatcherFactory builds the dispatcher over this sender's completion sink */
    public Sender(LongSupplier clockMs, Function<Consumer<Runnable>, ProduceDispatcher> dispatcherFactory) {
        this.clockMs = clockMs;
        this.dispatcher = dispatcherFactory.apply(completion -> {
            completions.add(completion);
            wakeup();
        });
    }

    /** Starts the sender on its own daemon thread. */
    public Thread start(String name) {
        Thread t = new Thread(this, name);
        t.setDaemon(true);
        thread = t;
        t.start();
        return t;
    }

    public void wakeup() {
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    /**
     * Wakes the sender unless it is parked until no later than {@code deadlineMs}: it then looks at
     * the queues in time anyway. A sender that is running is woken (it may have passed the queue).
     */
    public void wakeupBy(long deadlineMs) {
        long parked = parkedUntilMs;
        if (parked == RUNNING || deadlineMs < parked) {
            wakeup();
        }
    }

    /** Stops after sending everything queued and receiving every response. */
    public void initiateClose() {
        running = false;
        wakeup();
    }

    /** Stops without sending: queued records fail (definite); in-flight ones complete as their calls end. */
    public void forceClose() {
        forceClose = true;
        initiateClose();
    }

    @Override
    public void run() {
        thread = Thread.currentThread();
        while (running) {
            runOnce();
        }
        dispatcher.beginClose();
        while (dispatcher.hasPendingWork()) {
            if (forceClose) {
                dispatcher.beginForceClose();
            }
            runOnce();
        }
        log.debug("producer sender stopped");
    }

    private void runOnce() {
        try {
            Runnable completion;
            while ((completion = completions.poll()) != null) {
                completion.run();
            }
            long nextPollMs = dispatcher.poll(clockMs.getAsLong());
            if (completions.isEmpty()) {
                long nowMs = clockMs.getAsLong();
                long parkMs = Math.min(ProduceDispatcher.MAX_POLL_INTERVAL_MS, nextPollMs - nowMs);
                if (parkMs > 0) {
                    parkedUntilMs = nowMs + parkMs;
                    try {
                        LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(parkMs));
                    } finally {
                        parkedUntilMs = RUNNING;
                    }
                }
            }
        } catch (RuntimeException e) {
            log.error("unexpected error in producer sender", e);
        }
    }
}
