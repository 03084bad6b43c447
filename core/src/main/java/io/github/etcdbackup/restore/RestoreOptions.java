package io.github.etcdbackup.restore;

import java.time.Duration;

/**
 * How to restore a snapshot: {@link JujuRestoreOptions} through the Juju controller, or {@link SshRestoreOptions}
 * on the hosts when the controller is down. The type picks the path:
 * {@link io.github.etcdbackup.client.EtcdBackupClient#planRestore planRestore} plans the one its options are for,
 * and an option of one path cannot be set on the other.
 */
public sealed interface RestoreOptions permits JujuRestoreOptions, SshRestoreOptions {
    /** A builder for the Juju path (a new application through the controller). */
    static JujuRestoreOptions.Builder juju() {
        return JujuRestoreOptions.builder();
    }

    /** A builder for the SSH path (the members' data replaced in place on the hosts). */
    static SshRestoreOptions.Builder ssh() {
        return SshRestoreOptions.builder();
    }

    /** Which path these options are for. */
    RestorePath path();

    /** How long each wait of the restore may take. */
    Duration settleTimeout();

    /** How often waits poll. */
    Duration pollInterval();
}
