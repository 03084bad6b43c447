package io.github.etcdbackup.transport.ssh.internal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * How to reach and log in to the units, as the builder collected it.
 *
 * @param port             the units' SSH port
 * @param user             the login on the units
 * @param privateKey       the key to log in with; empty means OpenSSH's default files in {@code ~/.ssh}
 * @param passphrase       the key's passphrase, {@code null} if it has none; never printed
 * @param knownHosts       the OpenSSH known_hosts file host keys are checked against
 * @param acceptAnyHostKey skip host key checks (the builder's {@code insecureAcceptAnyHostKey()})
 * @param connectTimeout   bound on TCP connect, key exchange and authentication
 * @param jump             the bastion to go through, if any
 * @param receiveWindow    bytes each channel lets the unit send ahead of what was read (the SSH window)
 */
public record SshSettings(int port, String user, Optional<Path> privateKey, char[] passphrase, Path knownHosts,
                          boolean acceptAnyHostKey, Duration connectTimeout, Optional<Jump> jump,
                          int receiveWindow) {

    /** A bastion: host, port and login. */
    public record Jump(String host, int port, String user) {
    }

    /** Leaves the passphrase out, so that logging the settings can never leak it. */
    @Override
    public String toString() {
        return "SshSettings[port=" + port + ", user=" + user + ", privateKey=" + privateKey
                + ", passphrase=" + (passphrase == null ? "none" : "(set)") + ", knownHosts=" + knownHosts
                + ", acceptAnyHostKey=" + acceptAnyHostKey + ", connectTimeout=" + connectTimeout + ", jump=" + jump
                + ", receiveWindow=" + receiveWindow + "]";
    }
}
