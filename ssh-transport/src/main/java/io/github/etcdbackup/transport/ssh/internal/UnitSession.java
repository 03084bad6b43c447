package io.github.etcdbackup.transport.ssh.internal;

import io.github.etcdbackup.spi.Deadline;
import net.schmizz.sshj.connection.ConnectionException;
import net.schmizz.sshj.connection.channel.direct.Session;
import net.schmizz.sshj.transport.TransportException;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A session channel on a unit and the connection it runs on, which must be given up when the channel cannot be
 * closed ({@link ChannelStopper}).
 *
 * @param session the channel
 * @param link    its connection
 */
record UnitSession(Session session, SshLink link) {
    private static final long WATCH_PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    /**
     * Starts {@code command} on the channel, bounded by the deadline and by the connection staying up.
     *
     * <p>sshj waits for the server's reply to the exec request for its own connection timeout (30 s), whatever the
     * deadline. And in sshj 0.40.0 a connection that dies just as the request goes out never wakes that wait:
     * {@code AbstractChannel.sendChannelRequest} queues the reply's event after writing the request, so the error its
     * reader thread delivers in between (the socket closed) finds no event to fail, and the caller waits 30 s for a
     * reply that cannot come. A watch on {@code pool} fails the channel again once the connection is gone or the
     * deadline passed, which wakes the wait with a {@code ConnectionException}.
     */
    Session.Command exec(String command, Deadline deadline, Executor pool)
            throws ConnectionException, TransportException {
        CompletableFuture<Void> started = new CompletableFuture<>();
        pool.execute(() -> watch(started, deadline));
        try {
            return session.exec(command);
        } finally {
            started.complete(null);
        }
    }

    private void watch(CompletableFuture<Void> started, Deadline deadline) {
        while (!started.isDone()) {
            boolean lost = !link.client().getTransport().isRunning();
            if (lost || deadline.expired()) {
                String why = lost ? "The SSH connection ended while a command was being started"
                        : "The unit did not start a command within " + deadline.timeout();
                if (!lost) {
                    // A server that does not answer an exec within the deadline is not worth keeping.
                    link.fail(why);
                }
                session.notifyError(new ConnectionException(why));
                return;
            }
            LockSupport.parkNanos(WATCH_PERIOD_NANOS);
        }
    }
}
