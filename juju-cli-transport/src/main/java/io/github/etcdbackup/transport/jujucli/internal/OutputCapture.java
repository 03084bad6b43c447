package io.github.etcdbackup.transport.jujucli.internal;

import io.github.etcdbackup.spi.Deadline;
import org.apache.commons.exec.ExecuteStreamHandler;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * commons-exec's stream handler for a captured call: closes the process's stdin at once, reads its stdout and
 * stderr on two daemon threads, each into a {@link CappedOutput}, and lets the caller wait until both ended, one
 * passed its cap, or the deadline came, whichever is first. It replaces commons-exec's {@code PumpStreamHandler},
 * which copies without a cap and whose {@code stop()} waits for its pump threads, so for the pipes to end.
 *
 * <p>Why the caller does not read, and why daemon threads: a pipe can outlive its process (a child that
 * {@code juju} left behind holds it), and on Linux neither closing the pipe nor interrupting wakes a thread blocked
 * reading it. So the caller's wait is what the deadline bounds; a reader left blocked is abandoned, keeps nothing
 * alive (not even the JVM's exit) and ends once the last holder of the pipe is gone, which the caller's kill of the
 * {@link ProcessTree} normally ensures at once.
 *
 * <p>Why {@link #stop()} may wait, and for how long: commons-exec calls it on its executor thread once the process
 * exited, and closes the process's streams right after it. A reader still copying what the process wrote just before
 * its exit (up to a pipe's 64 KiB) would then fail with "Stream closed" and that output would be lost. So
 * {@code stop()} waits until both readers are done, exactly as long as the caller waits: never past the deadline, and
 * not at all once the caller stopped waiting ({@link #release()}: it returned, timed out, was interrupted, or saw an
 * output pass its cap). The executor thread that calls it is a daemon thread too.
 */
final class OutputCapture implements ExecuteStreamHandler {
    /** How a wait ended. */
    enum Outcome {
        /** Both outputs reached their end. */
        ENDED,
        /** One output passed its cap; see {@link #overflowed()}. */
        OVERFLOWED,
        /** The deadline came first. */
        TIMED_OUT
    }

    private final CappedOutput stdout;
    private final CappedOutput stderr;
    private final Deadline deadline;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private InputStream stdoutPipe;
    private InputStream stderrPipe;
    private int ended;
    private String overflowed;
    private boolean released;

    /** Captures each output up to {@code cap} bytes; {@link #stop()} never waits past {@code deadline}. */
    OutputCapture(long cap, Deadline deadline) {
        this.stdout = new CappedOutput(cap);
        this.stderr = new CappedOutput(cap);
        this.deadline = deadline;
    }

    /** Closes the process's stdin at once, so that a prompt (remove-application) reads EOF. */
    @Override
    public void setProcessInputStream(OutputStream stdin) throws IOException {
        stdin.close();
    }

    @Override
    public void setProcessOutputStream(InputStream pipe) {
        lock.lock();
        try {
            stdoutPipe = pipe;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void setProcessErrorStream(InputStream pipe) {
        lock.lock();
        try {
            stderrPipe = pipe;
        } finally {
            lock.unlock();
        }
    }

    /** Starts reading both outputs. */
    @Override
    public void start() {
        InputStream out;
        InputStream err;
        lock.lock();
        try {
            out = stdoutPipe;
            err = stderrPipe;
        } finally {
            lock.unlock();
        }
        reader(out, stdout, "stdout");
        reader(err, stderr, "stderr");
    }

    /**
     * Called by commons-exec once the process exited, before it closes the process's streams: waits until both
     * readers are done, one passed its cap, the caller stopped waiting, or the deadline came. Never longer.
     */
    @Override
    public void stop() {
        lock.lock();
        try {
            long left = deadline.remaining().toNanos();
            while (ended < 2 && overflowed == null && !released && left > 0) {
                left = changed.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
    }

    /** The caller stopped waiting: {@link #stop()} returns at once from now on. */
    void release() {
        lock.lock();
        try {
            released = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void reader(InputStream pipe, CappedOutput output, String name) {
        Thread thread = new Thread(() -> read(pipe, output, name), "juju-" + name);
        thread.setDaemon(true);
        thread.start();
    }

    private void read(InputStream pipe, CappedOutput output, String name) {
        boolean complete;
        try (pipe) {
            complete = output.readFrom(pipe);
        } catch (IOException e) {
            // Closed under us: commons-exec closes the streams after stop(), which waited for this reader unless
            // the caller had already stopped waiting; what was read stays.
            complete = true;
        }
        lock.lock();
        try {
            if (complete) {
                ended++;
            } else if (overflowed == null) {
                overflowed = name;
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Waits until both outputs ended, one passed its cap, or the deadline came. */
    Outcome await() throws InterruptedException {
        lock.lock();
        try {
            long left = deadline.remaining().toNanos();
            while (ended < 2 && overflowed == null) {
                if (left <= 0) {
                    return Outcome.TIMED_OUT;
                }
                left = changed.awaitNanos(left);
            }
            return overflowed != null ? Outcome.OVERFLOWED : Outcome.ENDED;
        } finally {
            lock.unlock();
        }
    }

    /** Which output passed its cap ({@code stdout} or {@code stderr}), after {@link Outcome#OVERFLOWED}. */
    String overflowed() {
        lock.lock();
        try {
            return overflowed;
        } finally {
            lock.unlock();
        }
    }

    CappedOutput stdout() {
        return stdout;
    }

    CappedOutput stderr() {
        return stderr;
    }
}
