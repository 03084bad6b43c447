package io.github.etcdbackup.restore;

import io.github.etcdbackup.encryption.AgeIdentities;
import io.github.etcdbackup.exception.InvalidInputException;
import io.github.etcdbackup.internal.common.InputValidation;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * How to restore a snapshot over SSH, on the etcd hosts themselves, when the Juju controller is down
 * ({@link RestorePath#SSH}): the data of the listed members is replaced in place from a v3 archive, the first member
 * restored and checked before the others are touched, each old {@code member} directory moved aside, with a new
 * cluster token.
 *
 * @param members       the members to restore, in order; the first one is restored (and checked) first
 * @param clusterToken  the new {@code initial-cluster-token}; default a fresh {@code etcd-restore-<UTC time>} fixed
 *                      when the plan is made
 * @param bumpRevision  when positive, restore with {@code --bump-revision N --mark-compacted} (etcdutl 3.5.8+;
 *                      refused on etcd 3.4) so that Kubernetes watch caches never see revisions go backwards; 0 (the
 *                      default) leaves revisions as in the snapshot
 * @param remoteDir     where the archive is uploaded on each host; default {@code /root}
 * @param settleTimeout how long to wait for the members to become healthy; default 20 minutes
 * @param pollInterval  how often to ask the members while waiting; default 5 seconds
 * @param identities    the age identities that decrypt an encrypted archive, for the upload steps only
 */
public record SshRestoreOptions(List<Member> members, Optional<String> clusterToken, long bumpRevision,
                                String remoteDir, Duration settleTimeout, Duration pollInterval,
                                Optional<AgeIdentities> identities)
        implements RestoreOptions {
    private static final Pattern ETCD_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private static final Pattern PEER_URL = Pattern.compile("https?://(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}"
            + "[A-Za-z0-9])?|\\[[0-9A-Fa-f:.]{2,45}])(?::[0-9]{1,5})?");

    /**
     * One etcd member of an SSH restore.
     *
     * @param unit    the unit as the SSH transport knows it, e.g. {@code etcd/0}
     * @param name    the etcd member name, e.g. {@code etcd0} (the charm's is in {@code etcd.conf.yml})
     * @param peerUrl its advertised peer URL, e.g. {@code https://10.0.0.5:2380}
     */
    public record Member(String unit, String name, String peerUrl) {
        /** Validates every field: they end up in commands on the host. */
        public Member {
            InputValidation.unit(unit);
            if (name == null || !ETCD_NAME.matcher(name).matches()) {
                throw new InvalidInputException("member name", name, "expected letters, digits, '.', '_' and '-'");
            }
            if (peerUrl == null || !PEER_URL.matcher(peerUrl).matches()) {
                throw new InvalidInputException("peer URL", peerUrl, "expected a URL such as https://10.0.0.5:2380");
            }
        }
    }

    /** Validates every field. */
    public SshRestoreOptions {
        members = List.copyOf(members);
        Objects.requireNonNull(clusterToken, "clusterToken");
        clusterToken.ifPresent(t -> {
            if (!ETCD_NAME.matcher(t).matches()) {
                throw new InvalidInputException("cluster token", t, "expected letters, digits, '.', '_' and '-'");
            }
        });
        if (bumpRevision < 0) {
            throw new InvalidInputException("bump revision", Long.toString(bumpRevision), "must be 0 or more");
        }
        InputValidation.remotePath(remoteDir);
        InputValidation.positive("settle timeout", Objects.requireNonNull(settleTimeout, "settleTimeout"));
        InputValidation.positive("poll interval", Objects.requireNonNull(pollInterval, "pollInterval"));
        Objects.requireNonNull(identities, "identities");
    }

    /** A builder with the defaults above; also {@link RestoreOptions#ssh()}. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public RestorePath path() {
        return RestorePath.SSH;
    }

    /** Builder for {@link SshRestoreOptions}. */
    public static final class Builder {
        private List<Member> members = List.of();
        private String clusterToken;
        private long bumpRevision;
        private String remoteDir = "/root";
        private Duration settleTimeout = Duration.ofMinutes(20);
        private Duration pollInterval = Duration.ofSeconds(5);
        private AgeIdentities identities;

        private Builder() {
        }

        /** The members to restore, in order; the first is restored and checked first. */
        public Builder members(List<Member> list) {
            members = List.copyOf(list);
            return this;
        }

        /** The new cluster's {@code initial-cluster-token}. */
        public Builder clusterToken(String token) {
            clusterToken = token;
            return this;
        }

        /** Restore with {@code --bump-revision N --mark-compacted} (etcdutl 3.5.8+). */
        public Builder bumpRevision(long revisions) {
            bumpRevision = revisions;
            return this;
        }

        /** The directory the archive is uploaded to on each host. */
        public Builder remoteDir(String directory) {
            remoteDir = directory;
            return this;
        }

        /** How long to wait for the members to settle. */
        public Builder settleTimeout(Duration timeout) {
            settleTimeout = timeout;
            return this;
        }

        /** How often to poll while waiting. */
        public Builder pollInterval(Duration interval) {
            pollInterval = interval;
            return this;
        }

        /**
         * The age identities that decrypt an encrypted archive: it is checked in one pass when the plan is made, and
         * decrypted into a private temp file (0600, in a 0700 directory) for each upload step only, deleted right
         * after it.
         */
        public Builder identities(AgeIdentities ageIdentities) {
            identities = Objects.requireNonNull(ageIdentities, "identities");
            return this;
        }

        /** Builds the options. */
        public SshRestoreOptions build() {
            return new SshRestoreOptions(members, Optional.ofNullable(clusterToken), bumpRevision, remoteDir,
                    settleTimeout, pollInterval, Optional.ofNullable(identities));
        }
    }
}
