package io.github.etcdbackup.transport.ssh.internal;

import net.schmizz.sshj.connection.channel.direct.Session;

/**
 * A session channel on a unit and the connection it runs on, which must be given up when the channel cannot be
 * closed ({@link ChannelStopper}).
 *
 * @param session the channel
 * @param link    its connection
 */
record UnitSession(Session session, SshLink link) {
}
