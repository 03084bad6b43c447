package io.github.etcdbackup.transport.jujucli.internal;

import io.github.etcdbackup.spi.Deadline;

import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.TimeUnit;

/**
 * Reads a streaming process's stderr on a daemon thread, from its start, so that the process never blocks on a full
 * pipe; keeps the first 64 KiB for the error message.
 */
final class StderrDrain {
    private static final int LIMIT = 64 * 1024;
    /** How long the end of stderr may lag behind the end of the process. */
    private static final long END_WAIT_MILLIS = TimeUnit.SECONDS.toMillis(5);

    private final BoundedBuffer buffer = new BoundedBuffer(LIMIT);
    private final Thread thread;

    private StderrDrain(Process process, String threadName) {
        this.thread = new Thread(() -> drain(process), threadName);
        thread.setDaemon(true);
        thread.start();
    }

    static StderrDrain start(Process process, String threadName) {
        return new StderrDrain(process, threadName);
    }

    private void drain(Process process) {
        byte[] chunk = new byte[8192];
        try (InputStream err = process.getErrorStream()) {
            int n;
            while ((n = err.read(chunk)) != -1) {
                buffer.write(chunk, 0, n);
            }
        } catch (IOException ignored) {
            // The process was killed or closed; what was read so far is kept for the message.
        }
    }

    /**
     * Waits a little for the end of stderr once the process ended, never past the deadline.
     *
     * @return false when it did not come: a child orphaned by juju still holds stderr
     */
    boolean awaitEnd(Deadline deadline) throws InterruptedException {
        long millis = Math.min(END_WAIT_MILLIS, deadline.remaining().toMillis());
        if (millis > 0) {
            thread.join(millis);
        }
        return !thread.isAlive();
    }

    /** What was read so far. */
    String text() {
        return buffer.text();
    }
}
