package io.github.etcdbackup;

import io.github.etcdbackup.internal.common.InputValidation;

import java.time.Instant;
import java.util.Objects;

/**
 * A snapshot archive lying on a unit, in the charm's snapshot directory: the charm never deletes what its
 * {@code snapshot} action writes there, so nightly backups fill the unit's disk unless someone removes them.
 *
 * @param unit      the unit, e.g. {@code etcd/0}
 * @param path      the archive's absolute path on the unit
 * @param sizeBytes its size
 * @param modified  when it was last written
 */
public record UnitArchive(String unit, String path, long sizeBytes, Instant modified) {
    /** Validates every field. */
    public UnitArchive {
        InputValidation.unit(unit);
        InputValidation.remotePath(path);
        if (sizeBytes < 0) {
            throw new IllegalArgumentException("sizeBytes must not be negative: " + sizeBytes);
        }
        Objects.requireNonNull(modified, "modified");
    }
}
