package io.github.etcdbackup.restore;

/** The two ways a restore can run; a plan and its options each say which one they are. */
public enum RestorePath {
    /**
     * Through the Juju controller: a new application, the charm's {@code restore} action
     * ({@link JujuRestoreOptions}).
     */
    JUJU,
    /** Over SSH on the etcd hosts, for when the controller is down ({@link SshRestoreOptions}). */
    SSH
}
