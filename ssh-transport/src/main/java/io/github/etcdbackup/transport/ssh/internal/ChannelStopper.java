package io.github.etcdbackup.transport.ssh.internal;

import net.schmizz.sshj.connection.ConnectionException;
import net.schmizz.sshj.connection.channel.direct.Session;
import net.schmizz.sshj.connection.channel.direct.Signal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Stops a remote command that must not run on (deadline passed, thread interrupted, stream abandoned), without
 * making the caller wait for it.
 *
 * <p>Closing the channel is what really stops our scripts: it ends their stdin, which their guard watches
 * ({@link Scripts}). OpenSSH only answers the close once the command exited, and sshj's {@code close()} waits for
 * that answer, so the close runs on a pool thread. Before it, a "signal" request asks for SIGTERM, which OpenSSH
 * delivers to the session's process group where its privilege separation allows it; SIGTERM rather than SIGKILL
 * because sudo relays SIGTERM to the command, while SIGKILL would kill sudo alone and orphan etcdctl.
 *
 * <p>Only that answer ends a read blocked on the channel's streams (sshj's own close does not touch them). A unit
 * that does not give it within {@link #CLOSE_GRACE} (a network that stopped answering, a command that cannot die)
 * costs the whole connection: it is failed, which ends every read on it at once, and the next call reconnects.
 */
final class ChannelStopper {
    /** How long a unit has to confirm a close; OpenSSH answers within milliseconds once the command is gone. */
    private static final Duration CLOSE_GRACE = Duration.ofSeconds(5);

    private static final Logger LOG = LoggerFactory.getLogger(ChannelStopper.class);

    private ChannelStopper() {
    }

    static void stop(UnitSession channel, Session.Command process, Executor pool) {
        Session session = channel.session();
        try {
            pool.execute(() -> {
                signal(process);
                Closing.quietly(session);
            });
            pool.execute(() -> giveUpUnlessClosed(channel));
        } catch (RejectedExecutionException transportClosed) {
            // The transport is closing and its connections with it; the channel goes with them.
            Closing.quietly(session);
        }
    }

    private static void signal(Session.Command process) {
        if (process != null) {
            try {
                process.signal(Signal.TERM);
            } catch (Exception e) {
                LOG.debug("Could not signal the remote command: {}", e.toString());
            }
        }
    }

    private static void giveUpUnlessClosed(UnitSession channel) {
        try {
            channel.session().join(CLOSE_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ConnectionException unanswered) {
            // Also thrown at once when the connection already died; failing it again changes nothing then.
            channel.link().fail("The unit did not confirm closing an SSH channel within " + CLOSE_GRACE
                    + "; the connection is given up");
        }
    }
}
