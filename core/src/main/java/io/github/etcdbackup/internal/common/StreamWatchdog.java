package io.github.etcdbackup.internal.common;

import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Closes a stream when its deadline passes, so that a {@code read} blocked on a silent peer returns. One daemon
 * thread serves the whole JVM and every transport (an SSH channel's close, a juju process tree's kill); it only ever
 * runs those, each quick.
 */
public final class StreamWatchdog {
    private static final ScheduledExecutorService TIMER = createTimer();

    private StreamWatchdog() {
    }

    private static ScheduledExecutorService createTimer() {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = Executors.defaultThreadFactory().newThread(runnable);
            thread.setName("etcd-backup-watchdog");
            thread.setDaemon(true);
            return thread;
        });
        timer.setRemoveOnCancelPolicy(true);
        return timer;
    }

    /** A scheduled close; {@link #cancel()} it when the work ended in time. */
    public static final class Guard implements AutoCloseable {
        private final ScheduledFuture<?> future;
        private final AtomicBoolean fired;

        private Guard(ScheduledFuture<?> future, AtomicBoolean fired) {
            this.future = future;
            this.fired = fired;
        }

        /** Whether the deadline passed and the stream was closed by the watchdog. */
        public boolean fired() {
            return fired.get();
        }

        /** Stops the watchdog. */
        public void cancel() {
            future.cancel(false);
        }

        @Override
        public void close() {
            cancel();
        }
    }

    /** Closes {@code stream} after {@code delay} unless the returned guard is cancelled first. */
    public static Guard closeAfter(Closeable stream, Duration delay) {
        AtomicBoolean fired = new AtomicBoolean();
        ScheduledFuture<?> future = TIMER.schedule(() -> {
            fired.set(true);
            try {
                stream.close();
            } catch (IOException | RuntimeException ignored) {
                // The reader sees the closed stream and reports the timeout; nothing else to do here.
            }
        }, Math.max(1, delay.toNanos()), TimeUnit.NANOSECONDS);
        return new Guard(future, fired);
    }
}
