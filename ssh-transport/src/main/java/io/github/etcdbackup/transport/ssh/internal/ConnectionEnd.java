package io.github.etcdbackup.transport.ssh.internal;

import net.schmizz.sshj.SSHClient;
import net.schmizz.sshj.common.DisconnectReason;
import net.schmizz.sshj.transport.DisconnectListener;
import net.schmizz.sshj.transport.Transport;
import net.schmizz.sshj.transport.TransportException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Knows whether a connection has ended, so that {@link #kill} ends it at most once. sshj calls this listener first
 * thing when a connection closes or dies. Its transport cannot tell afterwards: after a death its close event stays
 * "in error" and never "set", so a second {@code die} would run, log and notify the channels all over again.
 */
final class ConnectionEnd implements DisconnectListener {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionEnd.class);
    private static final String READER_GONE = "sshj's reader thread ended without closing the connection (an Error"
            + " such as OutOfMemoryError, printed on stderr, or an interrupt)";

    private volatile boolean ended;

    private ConnectionEnd() {
    }

    /** Listens to a new client's connection. */
    static void listen(SSHClient client) {
        client.getTransport().setDisconnectListener(new ConnectionEnd());
    }

    @Override
    public void notifyDisconnect(DisconnectReason reason, String message) {
        ended = true;
        LOG.debug("SSH connection ended: {} {}", reason, message);
    }

    /**
     * Fails every stream of every channel on the connection with {@code why} and closes its socket, unless it has
     * already ended. {@code die} is the one sshj call that does this whatever state its reader thread is in. No
     * disconnect message is sent (the reason stays unknown): writing it could block on a network that stopped
     * answering, and the closed socket tells the server enough.
     */
    static void kill(Transport transport, String why) {
        if (!(transport.getDisconnectListener() instanceof ConnectionEnd end && end.ended)) {
            transport.die(new TransportException(why));
        }
    }

    /**
     * {@link #kill}s a connection whose reader thread is gone ({@link ReaderWatch}). Needed before closing one too:
     * sshj's own close only tells the channels while the reader runs.
     */
    static void killIfReaderGone(Transport transport) {
        if (!transport.isRunning()) {
            kill(transport, READER_GONE);
        }
    }
}
