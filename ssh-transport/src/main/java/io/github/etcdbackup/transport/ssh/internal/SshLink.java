package io.github.etcdbackup.transport.ssh.internal;

import net.schmizz.sshj.SSHClient;

/**
 * An authenticated connection to one unit, and the connection to the jump host it runs through (or {@code null}).
 * Closing it closes both.
 *
 * @param client the connection to the unit
 * @param jump   the connection to the jump host, {@code null} without one
 * @param cipher the cipher negotiated for the server-to-client direction (the one downloads use)
 */
record SshLink(SSHClient client, SSHClient jump, String cipher) implements AutoCloseable {
    boolean usable() {
        return client.isConnected() && client.isAuthenticated() && (jump == null || jump.isConnected());
    }

    /**
     * Gives the connection up as broken, healthy or not: every stream of every channel on it fails at once with
     * {@code why}, then both connections close.
     */
    void fail(String why) {
        ConnectionEnd.kill(client.getTransport(), why);
        if (jump != null) {
            ConnectionEnd.kill(jump.getTransport(), why);
        }
        close();
    }

    /** Closes both connections; channels still open on them fail, even when sshj's reader thread is gone. */
    @Override
    public void close() {
        ConnectionEnd.killIfReaderGone(client.getTransport());
        Closing.quietly(client);
        if (jump != null) {
            ConnectionEnd.killIfReaderGone(jump.getTransport());
            Closing.quietly(jump);
        }
    }
}
