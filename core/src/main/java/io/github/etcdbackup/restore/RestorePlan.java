package io.github.etcdbackup.restore;

import io.github.etcdbackup.LocalSnapshot;

import java.util.List;
import java.util.Objects;

/**
 * The steps of a restore, fixed before anything changes. Made by
 * {@link io.github.etcdbackup.client.EtcdBackupClient#planRestore(LocalSnapshot, RestoreOptions)}, run by
 * {@link io.github.etcdbackup.client.EtcdBackupClient#restore(RestorePlan)}.
 *
 * @param snapshot          the archive to restore
 * @param targetApplication the application it is restored into (over SSH: the members' application)
 * @param path              through Juju or over SSH on the hosts
 * @param jujuVersion       the model's Juju version when the plan was made, for the record; empty on the SSH path
 * @param steps             the steps, in order
 * @param settleTimeout     how long each wait may take
 * @param pollInterval      how often waits poll
 */
public record RestorePlan(LocalSnapshot snapshot, String targetApplication, RestorePath path, String jujuVersion,
                          List<RestoreStep> steps, java.time.Duration settleTimeout,
                          java.time.Duration pollInterval) {
    /** Validates and copies every field. */
    public RestorePlan {
        Objects.requireNonNull(snapshot, "snapshot");
        Objects.requireNonNull(targetApplication, "targetApplication");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(jujuVersion, "jujuVersion");
        if ((path == RestorePath.SSH) != jujuVersion.isEmpty()) {
            throw new IllegalArgumentException("a " + path + " plan " + (jujuVersion.isEmpty() ? "needs" : "has no")
                    + " Juju version");
        }
        steps = List.copyOf(steps);
        Objects.requireNonNull(settleTimeout, "settleTimeout");
        Objects.requireNonNull(pollInterval, "pollInterval");
    }

    /** Every step with the exact command it stands for: a dry run to read, or to follow by hand. */
    public String describe() {
        StringBuilder text = new StringBuilder("Restore ").append(snapshot.file().getFileName());
        if (path == RestorePath.SSH) {
            text.append(" onto the members of ").append(targetApplication)
                    .append(" over SSH (no Juju controller involved):\n");
        } else {
            text.append(" into ").append(targetApplication).append(" (Juju ").append(jujuVersion).append("):\n");
        }
        for (int i = 0; i < steps.size(); i++) {
            text.append(String.format("%2d. ", i + 1)).append(steps.get(i).describe()).append('\n');
        }
        return text.toString();
    }

    @Override
    public String toString() {
        return describe();
    }
}
