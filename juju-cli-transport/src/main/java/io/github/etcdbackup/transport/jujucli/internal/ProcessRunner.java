package io.github.etcdbackup.transport.jujucli.internal;

import io.github.etcdbackup.OperationInterruptedException;
import io.github.etcdbackup.OperationTimeoutException;
import io.github.etcdbackup.OutputParseException;
import io.github.etcdbackup.TransportException;
import io.github.etcdbackup.spi.Deadline;
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

/**
 * Runs {@code juju} with an argv list (never a shell string), an explicit environment, stdin closed, stdout and
 * stderr read concurrently into capped buffers (see {@link OutputCapture}), and a deadline: when it passes, or the
 * caller is interrupted, the whole process tree is killed, with its session and whatever holds its pipes (see
 * {@link ProcessTree}).
 *
 * <p>The deadline covers the pipes, not only the process: a {@code juju} that exited while a background child still
 * holds its stdout or stderr is a timeout too. A call returns or throws by its deadline plus the time the kill takes
 * (a scan of {@code /proc}, milliseconds; the reliability suite allows 3 s), whatever the children do: it never
 * waits for a pipe past the deadline, and the threads reading them are daemon threads.
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
        LOG.debug("running {} {}", executable, Redaction.redact(argv));
        long start = System.nanoTime();
        ProcessTree tree;
        try {
            tree = start(argv, ProcessBuilder.Redirect.PIPE);
        } catch (IOException e) {
            throw notStarted(e);
        }
        Process process = tree.process();
        OutputCapture output = OutputCapture.start(process, MAX_OUTPUT_BYTES);
        try {
            OutputCapture.Outcome outcome = output.await(deadline);
            if (outcome == OutputCapture.Outcome.ENDED
                    && !process.waitFor(Math.max(0, deadline.remaining().toNanos()), TimeUnit.NANOSECONDS)) {
                outcome = OutputCapture.Outcome.TIMED_OUT;
            }
            if (outcome == OutputCapture.Outcome.TIMED_OUT) {
                tree.kill();
                // Juju 3 names the task on stderr before it waits: the caller can still look it up later.
                throw new OperationTimeoutException(operation, deadline.timeout(),
                        JujuErrors.runningTaskId(output.stderr().text()).orElse(null));
            }
            if (outcome == OutputCapture.Outcome.OVERFLOWED) {
                tree.kill();
                String stream = output.overflowed();
                CappedOutput flood = stream.equals("stdout") ? output.stdout() : output.stderr();
                throw new OutputParseException("juju " + argv.get(0) + " printed more than " + MAX_OUTPUT_BYTES
                        + " bytes on " + stream + "; it was stopped and its output refused", flood.headAndTail(),
                        null);
            }
        } catch (InterruptedException e) {
            tree.kill();
            Thread.currentThread().interrupt();
            throw new OperationInterruptedException(operation, e);
        } finally {
            live.remove(tree);
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
        requireOpen();
        LOG.debug("streaming {} {}", executable, Redaction.redact(argv));
        try {
            return start(argv, stdout);
        } catch (IOException e) {
            throw new TransportException(TRANSPORT, "Cannot run '" + executable + "' to stream " + description + ": "
                    + e.getMessage() + ". Install Juju or give its location with"
                    + " JujuCliTransport.builder().executable(Path).", e);
        }
    }

    /** Starts the process, tracked; stdin is a pipe closed at once, so a prompt (remove-application) reads EOF. */
    private ProcessTree start(List<String> argv, ProcessBuilder.Redirect stdout) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(ProcessTree.command(executable, argv));
        builder.environment().clear();
        builder.environment().putAll(environment);
        builder.redirectInput(ProcessBuilder.Redirect.PIPE);
        builder.redirectOutput(stdout);
        Process process = builder.start();
        ProcessTree tree = ProcessTree.started(process);
        track(tree);
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
}
