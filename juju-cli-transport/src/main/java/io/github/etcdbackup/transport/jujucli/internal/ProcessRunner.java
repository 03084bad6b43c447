package io.github.etcdbackup.transport.jujucli.internal;

import io.github.etcdbackup.exception.OperationInterruptedException;
import io.github.etcdbackup.exception.OperationTimeoutException;
import io.github.etcdbackup.exception.OutputParseException;
import io.github.etcdbackup.exception.TransportException;
import io.github.etcdbackup.spi.Deadline;
import org.apache.commons.exec.CommandLine;
import org.apache.commons.exec.DefaultExecutor;
import org.apache.commons.exec.ExecuteException;
import org.apache.commons.exec.ExecuteResultHandler;
import org.apache.commons.exec.ExecuteStreamHandler;
import org.apache.commons.exec.ProcessDestroyer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Runs {@code juju} with an argv list (never a shell string), an explicit environment, stdin closed, stdout and
 * stderr read concurrently into capped buffers (see {@link OutputCapture}), and a deadline: when it passes, or the
 * caller is interrupted, the whole process tree is killed, with its session and whatever holds its pipes (see
 * {@link ProcessTree}).
 *
 * <p>A captured call ({@link #run}) is launched by commons-exec ({@link DefaultExecutor}, asynchronously),
 * configured so that nothing of it waits past the deadline or keeps the JVM alive: its executor thread is a daemon
 * thread (see {@code DaemonExecutor}: commons-exec 1.5.0 forces it non-daemon otherwise); {@link OutputCapture}
 * replaces its {@code PumpStreamHandler} (stdin closed at once, daemon readers, a cap, and a {@code stop()} that never
 * waits past the deadline); the process is registered as a {@link ProcessTree} the moment commons-exec hands it to
 * its process destroyer ({@code Launch}), right after the launch; there is no watchdog (it would destroy only the
 * direct child). File streams ({@link #startTracked}) are started with {@link ProcessBuilder}, as before: their
 * stdout goes to a file or FIFO, and commons-exec only hands a process's output over as a pipe.
 *
 * <p>The deadline covers the pipes, not only the process: a {@code juju} that exited while a background child still
 * holds its stdout or stderr is a timeout too. A call returns or throws by its deadline plus the time the kill takes
 * (a scan of {@code /proc}, milliseconds; the reliability suite allows 3 s), whatever the children do: it never
 * waits for a pipe past the deadline, and the threads reading them and waiting for the process are daemon threads.
 */
public final class ProcessRunner {
    /** Transport name used in exceptions. */
    public static final String TRANSPORT = "juju-cli";
    private static final Logger LOG = LoggerFactory.getLogger(ProcessRunner.class);
    /**
     * Per stream. The largest real output is {@code juju status --format yaml} of a large model, about 1 KiB per unit
     * and machine, so 8 MiB is thousands of units; action results are far smaller. Twice this, and a copy of each
     * as text, must fit in a small heap; more is refused as soon as it arrives.
     */
    private static final long MAX_OUTPUT_BYTES = 8L * 1024 * 1024;

    private final String executable;
    private final Map<String, String> environment;
    /** Every process still running, so that {@link #close()} can stop them. */
    private final Set<ProcessTree> live = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * @param executable  the {@code juju} executable: a path, or a bare name looked up on {@code PATH}
     * @param environment the complete environment of every process
     */
    public ProcessRunner(String executable, Map<String, String> environment) {
        this.executable = Objects.requireNonNull(executable, "executable");
        this.environment = Map.copyOf(environment);
    }

    /** The executable, for messages. */
    public String executable() {
        return executable;
    }

    /** The environment every process gets. */
    public Map<String, String> environment() {
        return environment;
    }

    /**
     * Runs {@code juju ARGV...} to its end or to the deadline.
     *
     * @param operation what this is, for messages (e.g. {@code snapshot etcd/0})
     * @throws OperationTimeoutException     when the deadline passed (the process tree was killed)
     * @throws OperationInterruptedException when the caller was interrupted (the process tree was killed)
     * @throws OutputParseException          when stdout or stderr passed {@link #MAX_OUTPUT_BYTES} (the process tree
     *                                       was killed at once; {@code rawOutput()} holds that output's head and tail)
     * @throws TransportException            when {@code juju} could not be started
     */
    public CommandResult run(List<String> argv, Deadline deadline, String operation) {
        requireOpen();
        deadline.check(operation);
        List<String> command = ProcessTree.command(executable, argv);
        CommandLine commandLine = new CommandLine(command.get(0));
        command.subList(1, command.size()).forEach(argument -> commandLine.addArgument(argument, false));
        LOG.debug("running {} {}", executable, Redaction.redact(argv));

        OutputCapture output = new OutputCapture(MAX_OUTPUT_BYTES, deadline);
        Launch launch = new Launch();
        DefaultExecutor executor = new DaemonExecutor(output);
        executor.setExitValues(null);
        executor.setProcessDestroyer(launch);
        long start = System.nanoTime();
        Process process;
        try {
            try {
                executor.execute(commandLine, environment, launch);
            } catch (IOException e) {
                throw notStarted(e);
            }
            ProcessTree tree = launch.awaitStart(deadline);
            if (tree == null) {
                launch.kill();
                throw new OperationTimeoutException(operation, deadline.timeout(), null);
            }
            process = tree.process();
            OutputCapture.Outcome outcome = output.await();
            // The process's end, reported by commons-exec once it exited and the readers are done.
            if (outcome == OutputCapture.Outcome.ENDED && !(launch.awaitEnd(deadline)
                    && process.waitFor(Math.max(0, deadline.remaining().toNanos()), TimeUnit.NANOSECONDS))) {
                outcome = OutputCapture.Outcome.TIMED_OUT;
            }
            if (outcome == OutputCapture.Outcome.TIMED_OUT) {
                launch.kill();
                // Juju 3 names the task on stderr before it waits: the caller can still look it up later.
                throw new OperationTimeoutException(operation, deadline.timeout(),
                        JujuErrors.runningTaskId(output.stderr().text()).orElse(null));
            }
            if (outcome == OutputCapture.Outcome.OVERFLOWED) {
                launch.kill();
                String stream = output.overflowed();
                CappedOutput flood = stream.equals("stdout") ? output.stdout() : output.stderr();
                throw new OutputParseException("juju " + argv.get(0) + " printed more than " + MAX_OUTPUT_BYTES
                        + " bytes on " + stream + "; it was stopped and its output refused", flood.headAndTail(),
                        null);
            }
        } catch (InterruptedException e) {
            launch.kill();
            Thread.currentThread().interrupt();
            throw new OperationInterruptedException(operation, e);
        } catch (ExecuteException e) {
            // The launch failed: commons-exec wraps the IOException of Runtime.exec.
            throw notStarted(e.getCause() instanceof IOException cause ? cause : e);
        } finally {
            output.release();
            launch.forget();
        }
        if (closed.get()) {
            throw new TransportException(TRANSPORT, "The transport was closed while '" + operation + "' ran", null);
        }
        LOG.debug("{} exited with {} after {} ms", argv.isEmpty() ? executable : argv.get(0), process.exitValue(),
                Duration.ofNanos(System.nanoTime() - start).toMillis());
        return new CommandResult(argv, process.exitValue(), output.stdout().text(), output.stderr().text());
    }

    /**
     * Starts {@code juju ARGV...} for a file stream, in a session of its own, with stdin closed (an open stdin would
     * only keep ssh waiting for input) and stdout sent to {@code stdout}. Tracked, so that {@link #close()} stops it.
     *
     * @param description what is streamed, for messages (e.g. {@code etcd/0:/path})
     * @throws TransportException if it cannot be started
     */
    ProcessTree startTracked(List<String> argv, ProcessBuilder.Redirect stdout, String description) {
        return startTracked(argv, stdout, false, description);
    }

    /**
     * As {@link #startTracked(List, ProcessBuilder.Redirect, String)}, with stdin left open for the caller
     * ({@link Process#getOutputStream()}): a command that reads its work from stdin, such as a range session.
     */
    ProcessTree startTrackedWithInput(List<String> argv, ProcessBuilder.Redirect stdout, String description) {
        return startTracked(argv, stdout, true, description);
    }

    private ProcessTree startTracked(List<String> argv, ProcessBuilder.Redirect stdout, boolean keepInput,
                                     String description) {
        requireOpen();
        LOG.debug("streaming {} {}", executable, Redaction.redact(argv));
        try {
            return start(argv, stdout, keepInput);
        } catch (IOException e) {
            throw new TransportException(TRANSPORT, "Cannot run '" + executable + "' to stream " + description + ": "
                    + e.getMessage() + ". Install Juju or give its location with"
                    + " JujuCliTransport.builder().executable(Path).", e);
        }
    }

    /**
     * Starts a file stream's process, tracked; stdin is a pipe, closed at once unless {@code keepInput}, so a prompt
     * (remove-application) reads EOF.
     */
    private ProcessTree start(List<String> argv, ProcessBuilder.Redirect stdout, boolean keepInput)
            throws IOException {
        ProcessBuilder builder = new ProcessBuilder(ProcessTree.command(executable, argv));
        builder.environment().clear();
        builder.environment().putAll(environment);
        builder.redirectInput(ProcessBuilder.Redirect.PIPE);
        builder.redirectOutput(stdout);
        Process process = builder.start();
        ProcessTree tree = ProcessTree.started(process);
        track(tree);
        if (keepInput) {
            return tree;
        }
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            tree.kill();
            untrack(tree);
            throw e;
        }
        return tree;
    }

    /** Registers a started process so that {@link #close()} stops it too. */
    private void track(ProcessTree tree) {
        live.add(tree);
        if (closed.get()) {
            tree.kill();
        }
    }

    /** The process ended or was killed by its owner. */
    void untrack(ProcessTree tree) {
        live.remove(tree);
    }

    /** Throws if {@link #close()} was called. */
    public void requireOpen() {
        if (closed.get()) {
            throw new TransportException(TRANSPORT, "This JujuCliTransport is closed", null);
        }
    }

    /** Kills every process still running and refuses new ones. Idempotent. */
    public void close() {
        if (closed.compareAndSet(false, true)) {
            live.forEach(ProcessTree::kill);
        }
    }

    private TransportException notStarted(Exception e) {
        return new TransportException(TRANSPORT, "Cannot run '" + executable + "': " + rootMessage(e)
                + ". Install Juju (e.g. 'sudo snap install juju --classic') or give its location with"
                + " JujuCliTransport.builder().executable(Path).", e);
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return String.valueOf(root.getMessage());
    }

    /**
     * commons-exec's executor with a daemon thread. commons-exec 1.5.0 cannot give one otherwise: the thread of an
     * asynchronous {@code execute} comes from {@code createThread}, which calls {@code ThreadUtil.newThread(factory,
     * runnable, name, false)}, and that calls {@code setDaemon(false)} on whatever the builder's
     * {@code setThreadFactory} factory made. This overrides {@code createThread}, the library's protected hook, so
     * only the deprecated no-argument constructor is available to a subclass (the builder's is package-private); it
     * makes a {@code PumpStreamHandler} that {@link #setStreamHandler} replaces at once and that is never started.
     */
    private static final class DaemonExecutor extends DefaultExecutor {
        @SuppressWarnings("deprecation")
        DaemonExecutor(ExecuteStreamHandler streams) {
            super();
            setStreamHandler(streams);
        }

        /** Waits for the process and then calls the result handler; ends once the process exited. */
        @Override
        protected Thread createThread(Runnable runnable, String name) {
            Thread thread = new Thread(runnable, "juju-exec");
            thread.setDaemon(true);
            return thread;
        }
    }

    /**
     * One launch by commons-exec: receives the process right after it started (as its process destroyer, for that
     * hook only), so that a timeout, an interrupt or {@link #close()} can kill its whole tree, and its end or its
     * failure to start (as its result handler), waking the caller at once.
     */
    private final class Launch implements ProcessDestroyer, ExecuteResultHandler {
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition changed = lock.newCondition();
        private ProcessTree tree;
        private ExecuteException failure;
        private boolean ended;
        private boolean killRequested;

        /** Called on commons-exec's thread right after the launch (its streams were handed over just before). */
        @Override
        public boolean add(Process process) {
            lock.lock();
            try {
                tree = ProcessTree.started(process);
                if (killRequested) {
                    // The caller gave up before the launch was done, and no longer tracks it.
                    tree.kill();
                } else {
                    track(tree);
                }
                changed.signalAll();
            } finally {
                lock.unlock();
            }
            return true;
        }

        @Override
        public boolean remove(Process process) {
            return true;
        }

        @Override
        public int size() {
            return 0;
        }

        @Override
        public void onProcessComplete(int exitValue) {
            end(null);
        }

        @Override
        public void onProcessFailed(ExecuteException e) {
            end(e);
        }

        private void end(ExecuteException e) {
            lock.lock();
            try {
                failure = e;
                ended = true;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }

        /**
         * Waits for the process to start.
         *
         * @return the started process, or null if the deadline came first
         * @throws ExecuteException when it could not be started
         */
        ProcessTree awaitStart(Deadline deadline) throws InterruptedException, ExecuteException {
            lock.lock();
            try {
                long left = deadline.remaining().toNanos();
                while (tree == null && !ended && left > 0) {
                    left = changed.awaitNanos(left);
                }
                if (tree == null && ended) {
                    throw failure != null ? failure : new ExecuteException("Execution failed", -1);
                }
                return tree;
            } finally {
                lock.unlock();
            }
        }

        /** Waits for commons-exec to report the end; false if the deadline came first. */
        boolean awaitEnd(Deadline deadline) throws InterruptedException {
            lock.lock();
            try {
                long left = deadline.remaining().toNanos();
                while (!ended && left > 0) {
                    left = changed.awaitNanos(left);
                }
                return ended;
            } finally {
                lock.unlock();
            }
        }

        /** Kills the process tree now, or as soon as it is started. */
        void kill() {
            lock.lock();
            try {
                killRequested = true;
                if (tree != null) {
                    tree.kill();
                }
            } finally {
                lock.unlock();
            }
        }

        /** The caller is done with the process. */
        void forget() {
            lock.lock();
            try {
                if (tree != null) {
                    untrack(tree);
                }
            } finally {
                lock.unlock();
            }
        }
    }
}
