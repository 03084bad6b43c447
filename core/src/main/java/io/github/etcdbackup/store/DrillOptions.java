package io.github.etcdbackup.store;

import io.github.etcdbackup.StoredSnapshot;
import io.github.etcdbackup.encryption.AgeIdentities;
import io.github.etcdbackup.exception.InvalidInputException;

import io.github.etcdbackup.internal.common.InputValidation;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How {@link SnapshotStore#drill(StoredSnapshot, DrillOptions)} runs.
 *
 * @param etcd             the etcd binary (3.4 or 3.5 with {@code etcdctl snapshot restore}), default {@code etcd} on PATH
 * @param etcdctl          the etcdctl binary, default {@code etcdctl} on PATH
 * @param requiredPrefixes key prefixes that must hold at least one key, e.g. {@code /registry/}
 * @param timeout          the deadline for the whole drill
 * @param identities       decrypt an encrypted archive with these (into the drill's private temp directory,
 *                         deleted with it); required for an encrypted archive
 */
public record DrillOptions(String etcd, String etcdctl, List<String> requiredPrefixes, Duration timeout,
                           Optional<AgeIdentities> identities) {
    /** Validates and copies every field. */
    public DrillOptions {
        Objects.requireNonNull(etcd, "etcd");
        Objects.requireNonNull(etcdctl, "etcdctl");
        requiredPrefixes = List.copyOf(requiredPrefixes);
        for (String prefix : requiredPrefixes) {
            if (prefix.isEmpty() || prefix.startsWith("-") || prefix.chars().anyMatch(c -> c < 0x20)) {
                throw new InvalidInputException("key prefix", prefix, "must be non-empty, not start with '-', "
                        + "and hold no control character");
            }
        }
        InputValidation.positive("timeout", Objects.requireNonNull(timeout, "timeout"));
        Objects.requireNonNull(identities, "identities");
    }

    /** Options without identities: for plain archives. */
    public DrillOptions(String etcd, String etcdctl, List<String> requiredPrefixes, Duration timeout) {
        this(etcd, etcdctl, requiredPrefixes, timeout, Optional.empty());
    }

    /** etcd and etcdctl from PATH, no required prefix, a 2 minute deadline. */
    public static DrillOptions defaults() {
        return new DrillOptions("etcd", "etcdctl", List.of(), Duration.ofMinutes(2));
    }

    /** A copy that also requires these prefixes to hold keys. */
    public DrillOptions requirePrefixes(String... prefixes) {
        return new DrillOptions(etcd, etcdctl, List.of(prefixes), timeout, identities);
    }

    /** A copy with another deadline for the whole drill. */
    public DrillOptions withTimeout(Duration timeout) {
        return new DrillOptions(etcd, etcdctl, requiredPrefixes, timeout, identities);
    }

    /** A copy that decrypts encrypted archives with {@code identities}. */
    public DrillOptions withIdentities(AgeIdentities identities) {
        return new DrillOptions(etcd, etcdctl, requiredPrefixes, timeout,
                Optional.of(Objects.requireNonNull(identities, "identities")));
    }
}
