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

    @Override
    public void close() {
        Closing.quietly(client);
        Closing.quietly(jump);
    }
}
