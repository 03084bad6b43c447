package io.github.etcdbackup.transport.jujucli.internal;

import io.github.etcdbackup.internal.common.BlockInputStream;
import io.github.etcdbackup.exception.EtcdBackupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.function.Supplier;

/**
 * {@code FileTransfer.AUTO}: the file through {@code juju ssh ... sudo cat}, and through {@code juju scp} when that
 * failed before its first byte with an error scp does not share. The decision is taken on the first {@code read},
 * where the ssh stream reports its end, and never once a byte has reached the caller: the caller then resumes by
 * offset, and a stream that switched source mid-file could not be trusted.
 *
 * <p>When scp fails as well, {@code read} throws scp's {@code TransportException} (exit code and stderr as data; the
 * core's verified download passes typed exceptions through), with the ssh failure attached as suppressed.
 */
final class ScpFallbackStream extends BlockInputStream {
    private static final Logger LOG = LoggerFactory.getLogger(ScpFallbackStream.class);
    /**
     * sudo refusing to run (sudo 1.8/1.9 without a terminal, requiretty, a user without sudo rights) or missing
     * (bash, dash): scp reads the file as the {@code ubuntu} user and needs no sudo.
     */
    private static final List<String> SUDO_REFUSALS = List.of("sudo: a password is required",
            "sudo: a terminal is required", "sudo: sorry, you must have a tty", "is not in the sudoers file",
            "sudo: command not found", "sudo: not found");
    /**
     * ssh's own failure, never a remote command's ({@code cat}, {@code tail} and {@code sudo} exit 0 or 1): scp
     * opens a connection of its own, a second chance for a transient failure; a lasting one fails scp too, and the
     * error then shows both.
     */
    private static final int SSH_FAILED = 255;

    private final Supplier<InputStream> scp;
    private final String description;
    private InputStream current;
    private boolean delivered;
    private boolean fellBack;
    private boolean closed;

    /**
     * @param sshCat      the {@code sudo cat} stream, already started
     * @param scp         opens the same file from the same offset through scp
     * @param description what is streamed, for messages
     */
    ScpFallbackStream(InputStream sshCat, Supplier<InputStream> scp, String description) {
        this.current = sshCat;
        this.scp = scp;
        this.description = description;
    }

    /** Whether scp can succeed where {@code sudo cat} failed this way. */
    static boolean scpAvoids(RemoteFileStream.RemoteCommandFailedException failure) {
        return failure.exitCode() == SSH_FAILED || SUDO_REFUSALS.stream().anyMatch(failure.stderr()::contains);
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        InputStream source = current();
        try {
            int n = source.read(buffer, offset, length);
            delivered |= n > 0;
            return n;
        } catch (RemoteFileStream.RemoteCommandFailedException failure) {
            if (delivered || fellBack || isClosed() || !scpAvoids(failure)) {
                throw failure;
            }
            fellBack = true;
            LOG.info("'sudo cat' of {} failed before its first byte ({}); streaming it with juju scp instead",
                    description, failure.stderr().strip());
            source.close();
            useScp(failure);
            return read(buffer, offset, length);
        }
    }

    private void useScp(IOException sshFailure) throws IOException {
        InputStream next;
        try {
            next = scp.get();
        } catch (EtcdBackupException e) {
            e.addSuppressed(sshFailure);
            throw e;
        }
        synchronized (this) {
            if (!closed) {
                current = next;
                return;
            }
        }
        // Closed (by the caller or its deadline watchdog) while scp was starting.
        next.close();
        throw new IOException("stream of " + description + " is closed");
    }

    private synchronized InputStream current() {
        return current;
    }

    private synchronized boolean isClosed() {
        return closed;
    }

    /** Closes the current source, which stops its process tree; idempotent. */
    @Override
    public void close() throws IOException {
        InputStream source;
        synchronized (this) {
            closed = true;
            source = current;
        }
        source.close();
    }
}
