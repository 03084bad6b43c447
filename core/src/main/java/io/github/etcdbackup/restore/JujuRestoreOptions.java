package io.github.etcdbackup.restore;

import io.github.etcdbackup.KeysVersion;
import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.encryption.AgeIdentities;
import io.github.etcdbackup.exception.InvalidInputException;

import io.github.etcdbackup.internal.common.InputValidation;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How to restore a snapshot into a Juju model, through the controller ({@link RestorePath#JUJU}): a new application
 * is deployed, the archive attached and the charm's {@code restore} action run. Everything not given is read from
 * the model when the plan is made: the source application's charm channel, base, etcd version, unit count,
 * certificate provider, control plane and CNIs.
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
 * @param v2Snapshot          a verified {@code keys-version=v2} archive whose v2 keys (flannel, older
 *                            calico) are written into the restored cluster after the charm restored the v3 archive,
 *                            as the docs advise (snapshot and restore both). The charm's own restore takes one
 *                            archive and each kind replaces the whole data directory, so the v2 keys are replayed
 *                            through etcd's v2 API instead: see {@link RestoreStep.ReplayV2Keys}
 * @param restartControlPlane run the control plane charm's {@code restart} action on each of its units once etcd is
 *                            healthy (default true): the Kubernetes docs advise restarting the API servers after a
 *                            restore, whose watch caches still hold the old cluster's state
 * @param identities          the age identities that decrypt an encrypted archive: it is checked in one pass when
 *                            the plan is made, and decrypted into a private temp file (0600, in a 0700 directory)
 *                            for the attach step only, deleted right after it, whatever the outcome
 */
public record JujuRestoreOptions(String targetApplication, String sourceApplication, Optional<Integer> units,
                                 Optional<String> channel, Optional<String> base, Optional<String> etcdChannel,
                                 Optional<String> controlPlane, Optional<List<String>> cniApplications,
                                 Optional<String> certificates, boolean restoreIntoExisting, Duration settleTimeout,
                                 Duration pollInterval, Optional<LocalSnapshot> v2Snapshot,
                                 boolean restartControlPlane, Optional<AgeIdentities> identities)
        implements RestoreOptions {
    /** Validates every field. */
    public JujuRestoreOptions {
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
        Objects.requireNonNull(v2Snapshot, "v2Snapshot");
        v2Snapshot.ifPresent(v2 -> {
            if (v2.source().keysVersion() != KeysVersion.V2) {
                throw new InvalidInputException("v2 snapshot", v2.file().toString(),
                        "must be a keys-version v2 archive (KeysVersion.V2); the v3 archive is the one to restore");
            }
        });
        Objects.requireNonNull(identities, "identities");
    }

    /** A builder with the defaults above; also {@link RestoreOptions#juju()}. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public RestorePath path() {
        return RestorePath.JUJU;
    }

    /** Builder for {@link JujuRestoreOptions}. */
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
        private LocalSnapshot v2Snapshot;
        private boolean restartControlPlane = true;
        private AgeIdentities identities;

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

        /**
         * The verified v2 archive taken with the v3 one, whose v2 keys are replayed into the restored
         * cluster.
         */
        public Builder v2Snapshot(LocalSnapshot snapshot) {
            v2Snapshot = Objects.requireNonNull(snapshot, "snapshot");
            return this;
        }

        /**
         * Whether the plan ends by running the control plane charm's {@code restart} action on each of its units
         * (default true); off, restart the API servers yourself.
         */
        public Builder restartControlPlane(boolean restart) {
            restartControlPlane = restart;
            return this;
        }

        /** The age identities that decrypt an encrypted archive (its manifest names the recipients). */
        public Builder identities(AgeIdentities identities) {
            this.identities = Objects.requireNonNull(identities, "identities");
            return this;
        }

        /** Builds the options. */
        public JujuRestoreOptions build() {
            return new JujuRestoreOptions(targetApplication, sourceApplication, Optional.ofNullable(units),
                    Optional.ofNullable(channel), Optional.ofNullable(base), Optional.ofNullable(etcdChannel),
                    Optional.ofNullable(controlPlane), Optional.ofNullable(cniApplications),
                    Optional.ofNullable(certificates), restoreIntoExisting, settleTimeout, pollInterval,
                    Optional.ofNullable(v2Snapshot), restartControlPlane, Optional.ofNullable(identities));
        }
    }
}
