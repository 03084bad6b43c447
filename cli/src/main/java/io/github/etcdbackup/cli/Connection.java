package io.github.etcdbackup.cli;

import io.github.etcdbackup.ProgressListener;
import io.github.etcdbackup.client.EtcdBackupClient;
import io.github.etcdbackup.exception.InvalidInputException;
import io.github.etcdbackup.spi.EtcdTransport;
import io.github.etcdbackup.transport.jujucli.JujuCliTransport;
import io.github.etcdbackup.transport.ssh.SshTransport;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** How to reach the units: through the local juju CLI (the default) or over SSH; and the deadline of each call. */
final class Connection {
    @ArgGroup(exclusive = true)
    Choice choice = new Choice();

    @ArgGroup(exclusive = false, heading = "%nSSH (with --ssh):%n")
    Ssh ssh = new Ssh();

    @Option(names = "--juju-path", paramLabel = "PATH", description = "The juju executable; default: juju on PATH.")
    Path jujuPath;

    @Option(names = "--model", paramLabel = "MODEL", description = "The Juju model ([controller:][owner/]model); "
            + "default: the current one.")
    String model;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "15m", converter = DurationConverter.class,
            description = "The deadline of each operation (e.g. 90s, 15m, 2h); default: ${DEFAULT-VALUE}.")
    Duration timeout;

    /** Juju or SSH. */
    static final class Choice {
        @Option(names = "--juju", description = "Through the juju CLI (the default); Juju 2.9 and 3.x.")
        boolean juju;

        @Option(names = "--ssh", description = "Straight to the units over SSH (for when the controller is down).")
        boolean ssh;
    }

    /** The SSH settings; the fields hold their defaults too, for when no option of the group is given. */
    static final class Ssh {
        @Option(names = "--unit-address", paramLabel = "UNIT=HOST", description = "Where a unit's machine is, "
                + "e.g. etcd/0=10.0.0.10 (repeat for each unit).")
        Map<String, String> addresses = new LinkedHashMap<>();

        @Option(names = "--ssh-user", paramLabel = "USER", defaultValue = "ubuntu",
                description = "The login user; default: ${DEFAULT-VALUE}.")
        String user = "ubuntu";

        @Option(names = "--ssh-port", paramLabel = "PORT", defaultValue = "22",
                description = "The SSH port; default: ${DEFAULT-VALUE}.")
        int port = 22;

        @Option(names = "--ssh-key", paramLabel = "FILE", description = "The private key (OpenSSH format).")
        Path key;

        @Option(names = "--known-hosts", paramLabel = "FILE", description = "The known_hosts file that must hold "
                + "each unit's host key; default: ~/.ssh/known_hosts.")
        Path knownHosts;
    }

    /**
     * The transport these options describe.
     *
     * @throws InvalidInputException if an option of the other transport was given: it would be silently ignored
     */
    EtcdTransport transport() {
        boolean sshOptions = !ssh.addresses.isEmpty() || ssh.key != null || ssh.knownHosts != null;
        if (choice.ssh && (model != null || jujuPath != null)) {
            throw new InvalidInputException("--model/--juju-path", model != null ? model : jujuPath.toString(),
                    "belongs to the Juju transport, not to --ssh");
        }
        if (!choice.ssh && sshOptions) {
            throw new InvalidInputException("--unit-address/--ssh-key/--known-hosts", "", "belong to the SSH "
                    + "transport: add --ssh");
        }
        if (choice.ssh) {
            SshTransport.Builder builder = SshTransport.builder().unitAddresses(ssh.addresses).user(ssh.user)
                    .port(ssh.port);
            if (ssh.key != null) {
                builder.privateKey(ssh.key);
            }
            if (ssh.knownHosts != null) {
                builder.knownHosts(ssh.knownHosts);
            }
            return builder.build();
        }
        JujuCliTransport.Builder builder = JujuCliTransport.builder()
                .executable(jujuPath == null ? Path.of("juju") : jujuPath);
        if (model != null) {
            builder.model(model);
        }
        return builder.build();
    }

    /** A client over that transport, with the deadline and the listener. */
    EtcdBackupClient client(ProgressListener listener) {
        return EtcdBackupClient.builder().transport(transport()).timeout(timeout).listener(listener).build();
    }
}
