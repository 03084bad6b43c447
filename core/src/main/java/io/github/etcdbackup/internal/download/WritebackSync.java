package io.github.etcdbackup.internal.download;

import io.github.etcdbackup.exception.OperationInterruptedException;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Keeps the disk writing back while a download streams, so that the fsync before publishing only covers the tail.
 *
 * <p>Why: Linux starts writing dirty pages back only past {@code dirty_background_ratio} (gigabytes on a machine with
 * plenty of memory), so a download that fsyncs once at the end writes the whole archive back after the last byte
 * arrived, and meanwhile the writer is throttled by dirty-page accounting. Measured on the project's 2-core machine
 * with a 1 GiB stream: read + SHA-256 + write + final fsync 2.8 to 3.5 s; the same with an {@code fdatasync} started
 * every 64 MiB on another thread 1.7 to 2.0 s, final fsync 0.7 s down to 0.03 s (benchmarks/RESULTS.md, issue #10).
 *
 * <p>At most one {@code fdatasync} runs at a time: a sync still running when the next 64 MiB are written is not
 * queued behind, the next one simply starts later. It is a speed measure only: durability still comes from the
 * {@code force(true)} the caller runs after {@link #finish()}.
 */
final class WritebackSync implements AutoCloseable {
    static final long SYNC_EVERY_BYTES = 64L * 1024 * 1024;
    private static final long CLOSE_WAIT_SECONDS = 30;

    private final FileChannel channel;
    private ExecutorService thread;
    private Thread worker;
    private Future<?> running;
    private long sinceLast;

    WritebackSync(FileChannel channel) {
        this.channel = channel;
    }

    /** Counts bytes written to the channel; starts a background {@code fdatasync} every 64 MiB when none runs. */
    void written(long bytes) throws IOException {
        sinceLast += bytes;
        if (sinceLast < SYNC_EVERY_BYTES || running != null && !running.isDone()) {
            return;
        }
        finish();
        sinceLast = 0;
        running = thread().submit(() -> {
            channel.force(false);
            return null;
        });
    }

    /** Waits for the sync in flight and reports its failure, if any. */
    void finish() throws IOException {
        if (running == null) {
            return;
        }
        try {
            running.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OperationInterruptedException("waiting for the disk to write a download back", e);
        } catch (ExecutionException e) {
            throw asIoException(e);
        }
        running = null;
    }

    private static IOException asIoException(ExecutionException e) {
        return e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
    }

    private ExecutorService thread() {
        if (thread == null) {
            thread = Executors.newSingleThreadExecutor(runnable -> {
                worker = Executors.defaultThreadFactory().newThread(runnable);
                worker.setName("etcd-backup-writeback");
                worker.setDaemon(true);
                return worker;
            });
        }
        return thread;
    }

    /**
     * Ends the thread after the sync in flight, so that no thread outlives the download. The wait is bounded: an
     * {@code fdatasync} stuck on a dead disk is left to its daemon thread rather than hang the caller, whose own
     * {@code force(true)} or {@code close()} then reports the disk's error.
     */
    @Override
    public void close() {
        if (thread == null) {
            return;
        }
        thread.shutdown();
        try {
            // The pool reports termination a moment before its thread has ended: wait for the thread itself.
            if (thread.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS)) {
                worker.join(TimeUnit.SECONDS.toMillis(CLOSE_WAIT_SECONDS));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
