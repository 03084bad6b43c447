package io.github.etcdbackup.transport.ssh.internal;

import net.schmizz.sshj.connection.channel.direct.Session;
import net.schmizz.sshj.connection.channel.direct.Signal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Stops a remote command that must not run on (deadline passed, thread interrupted, stream abandoned), without
 * making the caller wait for it.
 *
 * <p>Closing the channel is what really stops our scripts: it ends their stdin, which their guard watches
 * ({@link Scripts}). OpenSSH only answers the close once the command exited, and sshj's {@code close()} waits for
 * that answer, so the close runs on a pool thread. Before it, a "signal" request asks for SIGTERM, which OpenSSH
 * delivers to the session's process group where its privilege separation allows it; SIGTERM rather than SIGKILL
 * because sudo relays SIGTERM to the command, while SIGKILL would kill sudo alone and orphan etcdctl.
 */
final class ChannelStopper {
    private static final Logger LOG = LoggerFactory.getLogger(ChannelStopper.class);

    private ChannelStopper() {
    }

    static void stop(Session session, Session.Command process, Executor closer) {
        if (process != null) {
            try {
                process.signal(Signal.TERM);
            } catch (Exception e) {
                LOG.debug("Could not signal the remote command: {}", e.toString());
            }
        }
        try {
            closer.execute(() -> Closing.quietly(session));
        } catch (RejectedExecutionException transportClosed) {
            // The transport is closing and its connections with it; the channel goes with them.
            Closing.quietly(session);
        }
    }
}
