package io.github.etcdbackup.transport.jujucli.internal;

import io.github.etcdbackup.OperationInterruptedException;
import io.github.etcdbackup.OperationTimeoutException;
import io.github.etcdbackup.OutputParseException;
import io.github.etcdbackup.TransportException;
import io.github.etcdbackup.spi.Deadline;
import org.apache.commons.exec.CommandLine;
import org.apache.commons.exec.DefaultExecuteResultHandler;
import org.apache.commons.exec.DefaultExecutor;
import org.apache.commons.exec.ExecuteException;
import org.apache.commons.exec.ProcessDestroyer;
import org.apache.commons.exec.PumpStreamHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs {@code juju} with an argv list (never a shell string), an explicit environment, stdout and stderr drained
 * concurrently by commons-exec's pump threads, and a deadline: when it passes, or the caller is interrupted, the
 * whole process tree is killed, with its session (see {@link ProcessTree}).
 *
 * <p>The deadline covers the pumps, not only the process: commons-exec reports a result only once both pipes reached
 * their end. So a {@code juju} that exited while a background child still holds its stdout or stderr is a timeout
 * too, and the session kill then ends that child, which closes the pipes and lets the pump threads finish.
 */
public final class ProcessRunner {
    /** Transport name used in exceptions. */
    public static final String TRANSPORT = "juju-cli";
    private static final Logger LOG = LoggerFactory.getLogger(ProcessRunner.class);
    /** Far above any real juju output (a status of a large model is a few MiB); protects the heap from a runaway. */
    private static final int MAX_OUTPUT_BYTES = 64 * 1024 * 1024;
    /** How long to wait for the pumps once a killed process is gone. */
    private static final Duration REAP_TIME = Duration.ofSeconds(5);

    private final String executable;
    private final Map<String, String> environment;
    /** Every process still running, so that {@link #close()} can stop them. */
    private final Set<Process> live = ConcurrentHashMap.newKeySet();
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
     * @throws TransportException            when {@code juju} could not be started
     */
    public CommandResult run(List<String> argv, Deadline deadline, String operation) {
        requireOpen();
        deadline.check(operation);
        List<String> command = ProcessTree.command(executable, argv);
        CommandLine commandLine = new CommandLine(command.get(0));
        command.subList(1, command.size()).forEach(argument -> commandLine.addArgument(argument, false));
        LOG.debug("running {} {}", executable, Redaction.redact(argv));

        BoundedBuffer stdout = new BoundedBuffer(MAX_OUTPUT_BYTES);
        BoundedBuffer stderr = new BoundedBuffer(MAX_OUTPUT_BYTES);
        LaunchedProcess launched = new LaunchedProcess(live);
        DefaultExecutor executor = DefaultExecutor.builder().get();
        executor.setExitValues(null);
        // No input stream: commons-exec closes the child's stdin, so a prompt (remove-application) reads EOF.
        executor.setStreamHandler(new PumpStreamHandler(stdout, stderr));
        executor.setProcessDestroyer(launched);
        PromptResultHandler handler = new PromptResultHandler();
        long start = System.nanoTime();
        try {
            executor.execute(commandLine, environment, handler);
            handler.await(deadline.remaining());
        } catch (InterruptedException e) {
            launched.killTree();
            Thread.currentThread().interrupt();
            throw new OperationInterruptedException(operation, e);
        } catch (IOException e) {
            throw notStarted(e);
        } finally {
            launched.forget();
        }
        if (!handler.hasResult()) {
            launched.killTree();
            awaitQuietly(handler);
            // Juju 3 names the task on stderr before it waits: the caller can still look it up later.
            throw new OperationTimeoutException(operation, deadline.timeout(),
                    JujuErrors.runningTaskId(stderr.text()).orElse(null));
        }
        if (closed.get()) {
            throw new TransportException(TRANSPORT, "The transport was closed while '" + operation + "' ran", null);
        }
        ExecuteException failure = handler.getException();
        if (failure != null && !launched.started()) {
            throw notStarted(failure);
        }
        LOG.debug("{} exited with {} after {} ms", argv.isEmpty() ? executable : argv.get(0), handler.getExitValue(),
                Duration.ofNanos(System.nanoTime() - start).toMillis());
        if (stdout.overflowed() || stderr.overflowed()) {
            throw new OutputParseException("juju " + argv.get(0) + " printed more than " + MAX_OUTPUT_BYTES
                    + " bytes; refusing to parse it", stdout.text(), null);
        }
        return new CommandResult(argv, handler.getExitValue(), stdout.text(), stderr.text());
    }

    /**
     * Starts {@code juju ARGV...} for a file stream, in a session of its own, with stdin closed (an open stdin would
     * only keep ssh waiting for input) and stdout sent to {@code stdout}. Tracked, so that {@link #close()} stops it.
     *
     * @param description what is streamed, for messages (e.g. {@code etcd/0:/path})
     * @throws TransportException if it cannot be started
     */
    Process startTracked(List<String> argv, ProcessBuilder.Redirect stdout, String description) {
        requireOpen();
        ProcessBuilder builder = new ProcessBuilder(ProcessTree.command(executable, argv));
        builder.environment().clear();
        builder.environment().putAll(environment);
        builder.redirectInput(ProcessBuilder.Redirect.PIPE);
        builder.redirectOutput(stdout);
        LOG.debug("streaming {} {}", executable, Redaction.redact(argv));
        try {
            Process process = builder.start();
            track(process);
            process.getOutputStream().close();
            return process;
        } catch (IOException e) {
            throw new TransportException(TRANSPORT, "Cannot run '" + executable + "' to stream " + description + ": "
                    + e.getMessage() + ". Install Juju or give its location with"
                    + " JujuCliTransport.builder().executable(Path).", e);
        }
    }

    /** Registers a process started elsewhere (a file stream) so that {@link #close()} stops it too. */
    private void track(Process process) {
        live.add(process);
        if (closed.get()) {
            ProcessTree.kill(process.toHandle());
        }
    }

    /** The process ended or was killed by its owner. */
    void untrack(Process process) {
        live.remove(process);
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
            live.forEach(process -> ProcessTree.kill(process.toHandle()));
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

    private static void awaitQuietly(PromptResultHandler handler) {
        try {
            handler.await(REAP_TIME);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * commons-exec's handler polls every 50 ms in {@code waitFor}, which doubled the cost of a short {@code juju}
     * call (measured by the benchmarks); this one wakes the caller the moment the result is in.
     */
    private static final class PromptResultHandler extends DefaultExecuteResultHandler {
        private final CountDownLatch done = new CountDownLatch(1);

        @Override
        public void onProcessComplete(int exitValue) {
            super.onProcessComplete(exitValue);
            done.countDown();
        }

        @Override
        public void onProcessFailed(ExecuteException e) {
            super.onProcessFailed(e);
            done.countDown();
        }

        void await(Duration timeout) throws InterruptedException {
            done.await(Math.max(0, timeout.toNanos()), TimeUnit.NANOSECONDS);
        }
    }

    /**
     * Receives the process from commons-exec right after launch, so that a timeout can kill its whole tree (the
     * library's own watchdog would destroy only the direct child). Used as a process destroyer for the hook only.
     */
    private static final class LaunchedProcess implements ProcessDestroyer {
        private final Set<Process> live;
        private Process process;
        private boolean killRequested;

        LaunchedProcess(Set<Process> live) {
            this.live = live;
        }

        @Override
        public synchronized boolean add(Process started) {
            process = started;
            if (killRequested) {
                ProcessTree.kill(started.toHandle());
            } else {
                live.add(started);
            }
            return true;
        }

        @Override
        public boolean remove(Process finished) {
            return true;
        }

        @Override
        public int size() {
            return 0;
        }

        synchronized void forget() {
            if (process != null) {
                live.remove(process);
            }
        }

        synchronized boolean started() {
            return process != null;
        }

        synchronized void killTree() {
            killRequested = true;
            if (process != null) {
                ProcessTree.kill(process.toHandle());
            }
        }
    }
}
