package io.github.etcdbackup.transport.jujucli.internal;

import io.github.etcdbackup.spi.Deadline;

import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Reads a process's stdout and stderr on two daemon threads, each into a {@link CappedOutput}, and lets the caller
 * wait until both ended, one passed its cap, or the deadline came, whichever is first.
 *
 * <p>Why the caller does not read, and why daemon threads: a pipe can outlive its process (a child that
 * {@code juju} left behind holds it), and on Linux neither closing the pipe nor interrupting wakes a thread blocked
 * reading it. So the caller's wait is what the deadline bounds; a reader left blocked is abandoned, keeps nothing
 * alive (not even the JVM's exit) and ends once the last holder of the pipe is gone, which the caller's kill of the
 * {@link ProcessTree} normally ensures at once.
 */
final class OutputCapture {
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
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private int ended;
    private String overflowed;

    private OutputCapture(long cap) {
        this.stdout = new CappedOutput(cap);
        this.stderr = new CappedOutput(cap);
    }

    /** Starts reading both outputs of {@code process}, each up to {@code cap} bytes. */
    static OutputCapture start(Process process, long cap) {
        OutputCapture capture = new OutputCapture(cap);
        capture.reader(process.getInputStream(), capture.stdout, "stdout");
        capture.reader(process.getErrorStream(), capture.stderr, "stderr");
        return capture;
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
            // Closed under us: the process was killed or the JDK drained the pipe at its exit; what was read stays.
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
    Outcome await(Deadline deadline) throws InterruptedException {
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
