package io.github.etcdbackup.transport.ssh.internal;

import io.github.etcdbackup.exception.InvalidInputException;
import io.github.etcdbackup.exception.OperationInterruptedException;
import io.github.etcdbackup.exception.OperationTimeoutException;
import io.github.etcdbackup.exception.TransportException;
import io.github.etcdbackup.internal.common.StreamWatchdog;
import io.github.etcdbackup.spi.Deadline;
import net.schmizz.sshj.connection.channel.direct.Session;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs one command on a unit over an exec channel, bounded by a deadline. stdout and stderr are drained by two
 * pool threads at once (a command that fills one pipe while we wait on the other would hang, sshj #508); the
 * caller only waits, so a timeout or an interrupt reaches it at once and it closes the channel.
 */
final class RemoteExec implements AutoCloseable {
    /** More than any etcdctl output we parse; a runaway command cannot fill the heap. */
    private static final int MAX_OUTPUT_BYTES = 1 << 20;

    private final UnitConnections connections;
    private final ExecutorService drainers;

    RemoteExec(UnitConnections connections) {
        this.connections = connections;
        AtomicInteger count = new AtomicInteger();
        this.drainers = Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, "etcd-backup-ssh-drain-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Runs {@code command} (one string, for the remote user's shell) and returns its exit status and outputs. */
    ExecResult run(String unit, String command, Deadline deadline, String operation) {
        return run(unit, command, null, deadline, operation);
    }

    /** {@link #run(String, String, Deadline, String)} with {@code stdin} (a local file) as the command's input. */
    ExecResult run(String unit, String command, Path stdin, Deadline deadline, String operation) {
        deadline.check(operation);
        UnitSession channel = connections.openSession(unit, deadline, operation);
        Session session = channel.session();
        Session.Command process = null;
        boolean finished = false;
        try {
            process = channel.exec(command, deadline, drainers);
            Session.Command started = process;
            Future<String> stdout = drainers.submit(() -> drain(started.getInputStream(), false));
            Future<String> stderr = drainers.submit(() -> drain(started.getErrorStream(), true));
            if (stdin != null) {
                send(stdin, session, process, deadline, operation);
            }
            String out = await(stdout, deadline, operation, unit);
            String err = await(stderr, deadline, operation, unit);
            process.join(Math.max(1, deadline.remaining().toMillis()), TimeUnit.MILLISECONDS);
            finished = true;
            Integer exit = process.getExitStatus();
            if (exit == null) {
                throw new TransportException(TransportName.SSH, operation + ": the remote command ended without an"
                        + " exit status" + (process.getExitSignal() == null ? " (connection lost?)"
                        : " (killed by signal " + process.getExitSignal() + ")"), null, err, null);
            }
            return new ExecResult(exit, out, err);
        } catch (IOException e) {
            throw lost(e, deadline, operation, unit);
        } catch (RejectedExecutionException e) {
            throw new TransportException(TransportName.SSH, operation + ": this SSH transport was closed", e);
        } finally {
            if (finished) {
                Closing.quietly(session);
            } else {
                ChannelStopper.stop(channel, process, drainers);
            }
        }
    }

    /** Streams a local file into the command's stdin, then ends it (EOF); the deadline closes the channel. */
    private static void send(Path file, Session session, Session.Command process, Deadline deadline,
                             String operation) throws IOException {
        try (StreamWatchdog.Guard guard = StreamWatchdog.closeAfter(session, deadline.remaining());
             InputStream in = Files.newInputStream(file);
             OutputStream out = process.getOutputStream()) {
            in.transferTo(out);
            if (guard.fired()) {
                throw new OperationTimeoutException(operation, deadline.timeout(), null);
            }
        } catch (NoSuchFileException e) {
            throw new InvalidInputException("local file", file.toString(), "does not exist");
        }
    }

    private static String await(Future<String> output, Deadline deadline, String operation, String unit) {
        try {
            return output.get(Math.max(1, deadline.remaining().toNanos()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            output.cancel(true);
            throw new OperationTimeoutException(operation, deadline.timeout(), null, e);
        } catch (InterruptedException e) {
            output.cancel(true);
            Thread.currentThread().interrupt();
            throw new OperationInterruptedException(operation, e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw new TransportException(TransportName.SSH, "The SSH connection to " + unit + " broke during "
                    + operation + ": " + cause, cause);
        }
    }

    private static RuntimeException lost(IOException e, Deadline deadline, String operation, String unit) {
        if (Interrupts.caused(e)) {
            return new OperationInterruptedException(operation, e);
        }
        if (deadline.expired()) {
            return new OperationTimeoutException(operation, deadline.timeout(), null, e);
        }
        return new TransportException(TransportName.SSH, "The SSH connection to " + unit + " broke during "
                + operation + ": " + e.getMessage(), e);
    }

    /** Reads a stream to its end, keeping the head (stdout, which we parse) or the tail (stderr, where errors are). */
    static String drain(InputStream in, boolean keepTail) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        int n;
        while ((n = in.read(buffer)) != -1) {
            bytes.write(buffer, 0, n);
            if (bytes.size() > 2 * MAX_OUTPUT_BYTES) {
                byte[] all = bytes.toByteArray();
                bytes.reset();
                if (keepTail) {
                    bytes.write(all, all.length - MAX_OUTPUT_BYTES, MAX_OUTPUT_BYTES);
                } else {
                    bytes.write(all, 0, MAX_OUTPUT_BYTES);
                    in.transferTo(OutputStream.nullOutputStream());
                    break;
                }
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** The pool threads that drain streams of file transfers too. */
    ExecutorService drainers() {
        return drainers;
    }

    UnitConnections connections() {
        return connections;
    }

    @Override
    public void close() {
        drainers.shutdownNow();
    }
}
