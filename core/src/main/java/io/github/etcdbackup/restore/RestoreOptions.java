package io.github.etcdbackup.restore;

import io.github.etcdbackup.KeysVersion;
import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.exception.InvalidInputException;

import io.github.etcdbackup.internal.common.InputValidation;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * How to restore a snapshot into a Juju model. Everything not given is read from the model when the plan is made:
 * the source application's charm channel, base, etcd version, unit count, certificate provider, control plane and
 * CNIs.
 *
 * <p>Over SSH (a transport without a Juju model, the controller being down) only {@code members},
 * {@code clusterToken}, {@code bumpRevision}, {@code remoteDir}, {@code settleTimeout} and {@code pollInterval}
 * count: the restore replaces the data of the listed members in place.
 *
 * @param targetApplication   the application to restore into; default {@code new-etcd}
 * @param sourceApplication   the application the snapshot came from; default {@code etcd}
 * @param units               how many units the restored application ends with; default the source's count
 * @param channel             the charm channel to deploy, e.g. {@code 1.29/stable}; default the source's
 * @param base                the base, e.g. {@code ubuntu@22.04} (or a 2.9 series); default the source's
 * @param etcdChannel         the etcd snap channel, e.g. {@code 3.4/stable}; default from the source's etcd version
 * @param controlPlane        the control plane application; default the one deployed from the
 *                            {@code kubernetes-control-plane} or {@code kubernetes-master} charm
 * @param cniApplications     the CNIs to relate; default those the source served (flannel, calico, canal)
 * @param certificates        the certificate provider; default the source's ({@code easyrsa} or {@code vault})
 * @param restoreIntoExisting allow a target that already exists with several units: the charm then restores on
 *                            the leader and the followers rejoin (supported since 2021, not what the docs advise)
 * @param settleTimeout       how long to wait for units to become healthy; default 20 minutes
 * @param pollInterval        how often to poll {@code juju status} while waiting; default 5 seconds
 * @param members             SSH only: the members to restore, the first one restored (and checked) before the
 *                            others are touched
 * @param clusterToken        SSH only: the new {@code initial-cluster-token}; default a fresh
 *                            {@code etcd-restore-<UTC time>} fixed when the plan is made
 * @param bumpRevision        SSH only: when positive, restore with {@code --bump-revision N --mark-compacted}
 *                            (etcdutl 3.5.8+; refused on etcd 3.4) so that Kubernetes watch caches never see
 *                            revisions go backwards; 0 (the default) leaves revisions as in the snapshot
 * @param remoteDir           SSH only: where the archive is uploaded on each host; default {@code /root}
 * @param v2Snapshot          Juju only: a verified {@code keys-version=v2} archive whose v2 keys (flannel, older
 *                            calico) are written into the restored cluster after the charm restored the v3 archive,
 *                            as the docs advise (snapshot and restore both). The charm's own restore takes one
 *                            archive and each kind replaces the whole data directory, so the v2 keys are replayed
 *                            through etcd's v2 API instead: see {@link RestoreStep.ReplayV2Keys}
 */
public record RestoreOptions(String targetApplication, String sourceApplication, Optional<Integer> units,
                             Optional<String> channel, Optional<String> base, Optional<String> etcdChannel,
                             Optional<String> controlPlane, Optional<List<String>> cniApplications,
                             Optional<String> certificates, boolean restoreIntoExisting, Duration settleTimeout,
                             Duration pollInterval, List<Member> members, Optional<String> clusterToken,
                             long bumpRevision, String remoteDir, Optional<LocalSnapshot> v2Snapshot) {
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
    public RestoreOptions {
        InputValidation.application(targetApplication);
        InputValidation.application(sourceApplication);
        if (targetApplication.equals(sourceApplication)) {
            throw new InvalidInputException("target application", targetApplication,
                    "must differ from the source application: restore into a new application");
        }
        units.ifPresent(n -> {
            if (n < 1 || n > 99) {
                throw new InvalidInputException("units", n.toString(), "must be between 1 and 99");
            }
        });
        channel.ifPresent(c -> InputValidation.channel("channel", c));
        base.ifPresent(b -> InputValidation.channel("base", b));
        etcdChannel.ifPresent(c -> InputValidation.channel("etcd channel", c));
        controlPlane.ifPresent(InputValidation::application);
        cniApplications = cniApplications.map(List::copyOf);
        cniApplications.ifPresent(list -> list.forEach(InputValidation::application));
        certificates.ifPresent(InputValidation::application);
        InputValidation.positive("settle timeout", Objects.requireNonNull(settleTimeout, "settleTimeout"));
        InputValidation.positive("poll interval", Objects.requireNonNull(pollInterval, "pollInterval"));
        members = List.copyOf(members);
        clusterToken.ifPresent(t -> {
            if (!ETCD_NAME.matcher(t).matches()) {
                throw new InvalidInputException("cluster token", t, "expected letters, digits, '.', '_' and '-'");
            }
        });
        if (bumpRevision < 0) {
            throw new InvalidInputException("bump revision", Long.toString(bumpRevision), "must be 0 or more");
        }
        InputValidation.remotePath(remoteDir);
        Objects.requireNonNull(v2Snapshot, "v2Snapshot");
        v2Snapshot.ifPresent(v2 -> {
            if (v2.source().keysVersion() != KeysVersion.V2) {
                throw new InvalidInputException("v2 snapshot", v2.file().toString(),
                        "must be a keys-version v2 archive (KeysVersion.V2); the v3 archive is the one to restore");
            }
        });
    }

    /** A builder with the defaults above. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builder for {@link RestoreOptions}. */
    public static final class Builder {
        private String targetApplication = "new-etcd";
        private String sourceApplication = "etcd";
        private Integer units;
        private String channel;
        private String base;
        private String etcdChannel;
        private String controlPlane;
        private List<String> cniApplications;
        private String certificates;
        private boolean restoreIntoExisting;
        private Duration settleTimeout = Duration.ofMinutes(20);
        private Duration pollInterval = Duration.ofSeconds(5);
        private List<Member> members = List.of();
        private String clusterToken;
        private long bumpRevision;
        private String remoteDir = "/root";
        private LocalSnapshot v2Snapshot;

        private Builder() {
        }

        /** The application to restore into. */
        public Builder targetApplication(String name) {
            targetApplication = name;
            return this;
        }

        /** The application the snapshot came from. */
        public Builder sourceApplication(String name) {
            sourceApplication = name;
            return this;
        }

        /** How many units the restored application ends with. */
        public Builder units(int count) {
            units = count;
            return this;
        }

        /** The charm channel. */
        public Builder channel(String charmChannel) {
            channel = charmChannel;
            return this;
        }

        /** The base or series. */
        public Builder base(String baseOrSeries) {
            base = baseOrSeries;
            return this;
        }

        /** The etcd snap channel, e.g. {@code 3.4/stable}. */
        public Builder etcdChannel(String snapChannel) {
            etcdChannel = snapChannel;
            return this;
        }

        /** The control plane application. */
        public Builder controlPlane(String application) {
            controlPlane = application;
            return this;
        }

        /** The CNI applications to relate (an empty list relates none). */
        public Builder cniApplications(List<String> applications) {
            cniApplications = List.copyOf(applications);
            return this;
        }

        /** The certificate provider. */
        public Builder certificates(String application) {
            certificates = application;
            return this;
        }

        /** Allow restoring into an existing multi-unit application (on its leader). */
        public Builder restoreIntoExisting(boolean allow) {
            restoreIntoExisting = allow;
            return this;
        }

        /** How long to wait for the units to settle. */
        public Builder settleTimeout(Duration timeout) {
            settleTimeout = timeout;
            return this;
        }

        /** How often to poll while waiting. */
        public Builder pollInterval(Duration interval) {
            pollInterval = interval;
            return this;
        }

        /** SSH only: the members to restore, in order; the first is restored and checked first. */
        public Builder members(List<Member> list) {
            members = List.copyOf(list);
            return this;
        }

        /** SSH only: the new cluster's {@code initial-cluster-token}. */
        public Builder clusterToken(String token) {
            clusterToken = token;
            return this;
        }

        /** SSH only: restore with {@code --bump-revision N --mark-compacted} (etcdutl 3.5.8+). */
        public Builder bumpRevision(long revisions) {
            bumpRevision = revisions;
            return this;
        }

        /**
         * Juju only: the verified v2 archive taken with the v3 one, whose v2 keys are replayed into the restored
         * cluster.
         */
        public Builder v2Snapshot(LocalSnapshot snapshot) {
            v2Snapshot = Objects.requireNonNull(snapshot, "snapshot");
            return this;
        }

        /** SSH only: the directory the archive is uploaded to on each host. */
        public Builder remoteDir(String directory) {
            remoteDir = directory;
            return this;
        }

        /** Builds the options. */
        public RestoreOptions build() {
            return new RestoreOptions(targetApplication, sourceApplication, Optional.ofNullable(units),
                    Optional.ofNullable(channel), Optional.ofNullable(base), Optional.ofNullable(etcdChannel),
                    Optional.ofNullable(controlPlane), Optional.ofNullable(cniApplications),
                    Optional.ofNullable(certificates), restoreIntoExisting, settleTimeout, pollInterval, members,
                    Optional.ofNullable(clusterToken), bumpRevision, remoteDir, Optional.ofNullable(v2Snapshot));
        }
    }
}
