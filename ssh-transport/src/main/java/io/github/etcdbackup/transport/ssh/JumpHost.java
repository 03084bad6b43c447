package io.github.etcdbackup.transport.ssh;

/**
 * A bastion the connections to the units go through (like OpenSSH's {@code ProxyJump}). It is authenticated with
 * the same private key and its host key is checked against the same known_hosts file as the units.
 *
 * @param host name or address of the bastion
 * @param port its SSH port
 * @param user the login on the bastion
 */
public record JumpHost(String host, int port, String user) {
    /** Validates every field. */
    public JumpHost {
        SshNames.host(host);
        SshNames.port(port);
        SshNames.user(user);
    }

    /** A jump host on port 22. */
    public static JumpHost of(String host, String user) {
        return new JumpHost(host, 22, user);
    }
}
