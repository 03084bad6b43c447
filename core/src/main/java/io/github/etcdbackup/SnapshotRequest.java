package io.github.etcdbackup;

import io.github.etcdbackup.encryption.AgeRecipient;
import io.github.etcdbackup.internal.common.InputValidation;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What to snapshot and how. Build with {@link #builder()}; the unit is required, the rest has the charm's defaults.
 *
 * @param unit        the unit to run on, e.g. {@code etcd/0}, or {@code etcd/leader} where the transport resolves it
 * @param keysVersion which key space to save (always passed explicitly: the charm's default changed in 2020)
 * @param target      the directory on the unit the archive is written to
 * @param timeout     a deadline for this call that replaces the client's default, if present
 * @param unitCopy    for {@code backup}: what happens to the archive on the unit once the local copy is verified
 *                    and synced (default {@link UnitCopy#REMOVE}); {@code snapshot} alone always leaves it there
 * @param encryptTo   for {@code backup}: the age recipients the archive is encrypted to as it streams; empty (the
 *                    default) writes it in clear
 */
public record SnapshotRequest(String unit, KeysVersion keysVersion, String target, Optional<Duration> timeout,
                              UnitCopy unitCopy, List<AgeRecipient> encryptTo) {
    /** The charm's default target directory. */
    public static final String DEFAULT_TARGET = "/home/ubuntu/etcd-snapshots";

    /** Validates every field; see {@link Builder}. */
    public SnapshotRequest {
        InputValidation.unitOrLeader(unit);
        Objects.requireNonNull(keysVersion, "keysVersion");
        InputValidation.remotePath(target);
        Objects.requireNonNull(timeout, "timeout");
        timeout.ifPresent(t -> InputValidation.positive("timeout", t));
        Objects.requireNonNull(unitCopy, "unitCopy");
        encryptTo = List.copyOf(encryptTo);
    }

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builder for {@link SnapshotRequest}. */
    public static final class Builder {
        private String unit;
        private KeysVersion keysVersion = KeysVersion.V3;
        private String target = DEFAULT_TARGET;
        private Duration timeout;
        private UnitCopy unitCopy = UnitCopy.REMOVE;
        private List<AgeRecipient> encryptTo = List.of();

        private Builder() {
        }

        /** The unit to snapshot (required). */
        public Builder unit(String unit) {
            this.unit = unit;
            return this;
        }

        /** The key space to save; default {@link KeysVersion#V3}. */
        public Builder keysVersion(KeysVersion keysVersion) {
            this.keysVersion = keysVersion;
            return this;
        }

        /** The directory on the unit; default {@value SnapshotRequest#DEFAULT_TARGET}. */
        public Builder target(String target) {
            this.target = target;
            return this;
        }

        /** A deadline for this call, replacing the client's default. */
        public Builder timeout(Duration timeout) {
            this.timeout = InputValidation.positive("timeout", Objects.requireNonNull(timeout, "timeout"));
            return this;
        }

        /**
         * What {@code backup} does with the archive on the unit once the local copy is verified and synced: removes
         * it ({@link UnitCopy#REMOVE}, the default) or leaves it ({@link UnitCopy#KEEP}).
         */
        public Builder unitCopy(UnitCopy unitCopy) {
            this.unitCopy = Objects.requireNonNull(unitCopy, "unitCopy");
            return this;
        }

        /**
         * Encrypts the archive to these age recipients while it streams ({@code <archive>.age}): only ciphertext
         * reaches the disk, and any one of the recipients' identities decrypts it. Empty (the default): in clear.
         */
        public Builder encryptTo(List<AgeRecipient> recipients) {
            this.encryptTo = List.copyOf(recipients);
            return this;
        }

        /** {@link #encryptTo(List)} with these recipients. */
        public Builder encryptTo(AgeRecipient... recipients) {
            return encryptTo(List.of(recipients));
        }

        /**
         * Builds the request; throws {@link io.github.etcdbackup.exception.InvalidInputException} for a bad unit or
         * target.
         */
        public SnapshotRequest build() {
            return new SnapshotRequest(unit, keysVersion, target, Optional.ofNullable(timeout), unitCopy, encryptTo);
        }
    }
}
