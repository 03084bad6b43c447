package io.github.etcdbackup.restore;

import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.encryption.AgeIdentities;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

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
 * @param identities        the age identities that decrypt an encrypted snapshot while the plan runs; never
 *                          written to a journal (only the identity file's path is)
 */
public record RestorePlan(LocalSnapshot snapshot, String targetApplication, RestorePath path, String jujuVersion,
                          List<RestoreStep> steps, java.time.Duration settleTimeout,
                          java.time.Duration pollInterval, Optional<AgeIdentities> identities) {
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
        Objects.requireNonNull(identities, "identities");
    }

    /** A plan of a plain archive, or one whose identities are given later ({@link #withIdentities}). */
    public RestorePlan(LocalSnapshot snapshot, String targetApplication, RestorePath path, String jujuVersion,
                       List<RestoreStep> steps, java.time.Duration settleTimeout, java.time.Duration pollInterval) {
        this(snapshot, targetApplication, path, jujuVersion, steps, settleTimeout, pollInterval, Optional.empty());
    }

    /** The same plan, decrypting its snapshot with {@code identities}. */
    public RestorePlan withIdentities(AgeIdentities identities) {
        return new RestorePlan(snapshot, targetApplication, path, jujuVersion, steps, settleTimeout, pollInterval,
                Optional.of(Objects.requireNonNull(identities, "identities")));
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
