package io.github.etcdbackup.transport.jujucli.internal;

import io.github.etcdbackup.exception.OperationInterruptedException;
import io.github.etcdbackup.exception.OperationTimeoutException;
import io.github.etcdbackup.exception.TransportException;
import io.github.etcdbackup.internal.common.Shell;
import io.github.etcdbackup.spi.Deadline;

import java.io.FileInputStream;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A remote file through {@code juju scp [-m MODEL] -- [-O] [-T] UNIT:'PATH' FIFO}, streamed: the local {@code scp}
 * writes into a {@link PrivateFifo} and the caller reads the other end as the bytes arrive.
 *
 * <p>{@link #open} returns once scp opened the FIFO, which its sink does only after the unit sent the file's header,
 * so a file that is missing or unreadable (or any other failure before the transfer) is a {@link TransportException}
 * from {@code open}, with Juju's exit code and {@code ERROR exit status N (<scp's stderr>)}. After that the stream
 * behaves as {@link RemoteFileStream}: its end counts only once {@code juju scp} exited 0.
 *
 * <p>Why the path is quoted: the legacy protocol (which a FIFO needs, see {@link OpenSshVersion#scpOptions}) runs
 * {@code scp -f PATH} through the unit's shell. Nothing the caller gives becomes an option: the options come before
 * the unit name (a validated {@code app/N}), the path is inside it, and the FIFO is an absolute path of ours.
 */
public final class ScpDownload {
    /** How long the open of the read end may lag behind a scp that opened the FIFO, wrote and exited. */
    private static final long OPEN_LAG_MILLIS = 1000;

    private final JujuCli cli;
    private final LocalOpenSsh openSsh;

    /** @param cli the command vocabulary ({@code -m MODEL}) and the runner whose environment Juju gets */
    public ScpDownload(JujuCli cli) {
        this.cli = cli;
        this.openSsh = new LocalOpenSsh(cli.runner().environment());
    }

    /**
     * Opens the file from {@code offset}; scp cannot start there, so the first {@code offset} bytes are transferred
     * and discarded by the stream.
     *
     * @throws TransportException            if scp failed before it started writing, or the FIFO cannot be made
     * @throws OperationTimeoutException     if scp had not started writing by the deadline (its tree was killed)
     * @throws OperationInterruptedException if the caller was interrupted (its tree was killed)
     */
    public InputStream open(String unit, String remotePath, long offset, Deadline deadline) {
        ProcessRunner runner = cli.runner();
        String description = unit + ":" + remotePath;
        String operation = "scp " + description;
        runner.requireOpen();
        deadline.check(operation);
        List<String> argv = cli.argv("scp", "--");
        argv.addAll(openSsh.scpOptions(deadline));
        argv.add(unit + ":" + Shell.quoteAlways(remotePath));
        PrivateFifo fifo = PrivateFifo.create(deadline);
        try {
            argv.add(fifo.path().toString());
            ProcessTree tree = runner.startTracked(argv, ProcessBuilder.Redirect.DISCARD, description);
            StderrDrain stderr = StderrDrain.start(tree.process(), "juju-scp-stderr");
            FileInputStream data = awaitWriter(argv, tree, stderr, fifo, deadline, operation);
            return new RemoteFileStream(runner, tree, stderr, data, offset, deadline, description, "juju scp");
        } finally {
            fifo.delete();
        }
    }

    /** Waits until scp opened the FIFO, ended, or the deadline passed; see the class comment. */
    private FileInputStream awaitWriter(List<String> argv, ProcessTree tree, StderrDrain stderr, PrivateFifo fifo,
                                        Deadline deadline, String operation) {
        ProcessRunner runner = cli.runner();
        Process process = tree.process();
        CompletableFuture<FileInputStream> opened = fifo.openForReading();
        try {
            CompletableFuture.anyOf(opened, process.onExit())
                    .get(Math.max(1, deadline.remaining().toNanos()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            stop(tree, fifo, opened);
            throw new OperationTimeoutException(operation, deadline.timeout(), null);
        } catch (InterruptedException e) {
            stop(tree, fifo, opened);
            Thread.currentThread().interrupt();
            throw new OperationInterruptedException(operation, e);
        } catch (ExecutionException e) {
            stop(tree, fifo, opened);
            throw new TransportException(ProcessRunner.TRANSPORT, "Cannot open the FIFO " + fifo.path()
                    + " for reading: " + e.getCause(), e.getCause());
        }
        if (opened.isDone() && !opened.isCompletedExceptionally()) {
            return opened.join();
        }
        int exitCode = process.exitValue();
        if (exitCode == 0) {
            // A sink that exits 0 opened the FIFO first, so our open returns on its own; only its thread may lag.
            Optional<FileInputStream> own = completedWithin(opened, OPEN_LAG_MILLIS);
            if (own.isPresent()) {
                return own.get();
            }
        }
        // juju waits for its scp; whatever is left in its session is an orphan that would hold stderr open.
        tree.kill();
        runner.untrack(tree);
        fifo.release(opened).ifPresent(PrivateFifo::closeQuietly);
        runner.requireOpen();
        awaitStderr(stderr, deadline);
        if (exitCode == 0) {
            throw new TransportException(ProcessRunner.TRANSPORT, "'juju " + operation + "' exited 0 without"
                    + " writing into the FIFO; is the local scp OpenSSH's?", 0, stderr.text(), null);
        }
        throw JujuErrors.failure(new CommandResult(argv, exitCode, "", stderr.text()));
    }

    private static Optional<FileInputStream> completedWithin(CompletableFuture<FileInputStream> opened, long millis) {
        try {
            return Optional.of(opened.get(millis, TimeUnit.MILLISECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } catch (ExecutionException | TimeoutException e) {
            return Optional.empty();
        }
    }

    private void stop(ProcessTree tree, PrivateFifo fifo, CompletableFuture<FileInputStream> opened) {
        tree.kill();
        cli.runner().untrack(tree);
        fifo.release(opened).ifPresent(PrivateFifo::closeQuietly);
    }

    private static void awaitStderr(StderrDrain stderr, Deadline deadline) {
        try {
            stderr.awaitEnd(deadline);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
