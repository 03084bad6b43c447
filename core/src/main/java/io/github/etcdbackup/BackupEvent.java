package io.github.etcdbackup;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * What an operation reports while it runs. Each operation sends {@link Started} once, then steps and byte counts,
 * then exactly one of {@link Completed} or {@link Failed}. Records print readably, so
 * {@code client.builder().listener(System.out::println)} is a fine progress display in JShell.
 */
public sealed interface BackupEvent
        permits BackupEvent.Started, BackupEvent.StepStarted, BackupEvent.StepCompleted,
        BackupEvent.UnitArchiveRemoved, BackupEvent.UnitArchiveKept, BackupEvent.ArchiveSaved,
                BackupEvent.BytesTransferred, BackupEvent.Completed, BackupEvent.Failed {

    /** The operation, e.g. {@code backup etcd/0}. */
    String operation();

    /** When the event happened. */
    Instant at();

    /**
     * An operation began.
     *
     * @param operation the operation
     * @param at        when
     */
    record Started(String operation, Instant at) implements BackupEvent {
        /** Validates every field. */
        public Started {
            Objects.requireNonNull(operation, "operation");
            Objects.requireNonNull(at, "at");
        }
    }

    /**
     * A step of an operation began, e.g. {@code snapshot} or {@code download}.
     *
     * @param operation the operation
     * @param step      the step
     * @param at        when
     */
    record StepStarted(String operation, String step, Instant at) implements BackupEvent {
        /** Validates every field. */
        public StepStarted {
            Objects.requireNonNull(operation, "operation");
            Objects.requireNonNull(step, "step");
            Objects.requireNonNull(at, "at");
        }
    }

    /**
     * A step finished.
     *
     * @param operation the operation
     * @param step      the step
     * @param elapsed   how long it took
     * @param at        when
     */
    record StepCompleted(String operation, String step, Duration elapsed, Instant at) implements BackupEvent {
        /** Validates every field. */
        public StepCompleted {
            Objects.requireNonNull(operation, "operation");
            Objects.requireNonNull(step, "step");
            Objects.requireNonNull(elapsed, "elapsed");
            Objects.requireNonNull(at, "at");
        }
    }

    /**
     * Bytes arrived and were hashed and written.
     *
     * @param operation          the operation
     * @param file               the final file being written
     * @param bytes              bytes in the file so far (a resumed download starts at the resumed length)
     * @param estimatedTotal     the expected total when known: the unit's {@code du -h} size, so approximate
     * @param at                 when
     */
    record BytesTransferred(String operation, Path file, long bytes, OptionalLong estimatedTotal, Instant at)
            implements BackupEvent {
        /** Validates every field. */
        public BytesTransferred {
            Objects.requireNonNull(operation, "operation");
            Objects.requireNonNull(file, "file");
            Objects.requireNonNull(estimatedTotal, "estimatedTotal");
            Objects.requireNonNull(at, "at");
        }
    }

    /**
     * The operation succeeded.
     *
     * @param operation the operation
     * @param elapsed   how long it took
     * @param at        when
     */
    record Completed(String operation, Duration elapsed, Instant at) implements BackupEvent {
        /** Validates every field. */
        public Completed {
            Objects.requireNonNull(operation, "operation");
            Objects.requireNonNull(elapsed, "elapsed");
            Objects.requireNonNull(at, "at");
        }
    }

    /**
     * The operation failed; the same exception is thrown to the caller.
     *
     * @param operation the operation
     * @param error     what went wrong
     * @param elapsed   how long the operation ran before it failed
     * @param at        when
     */
    record Failed(String operation, RuntimeException error, Duration elapsed, Instant at) implements BackupEvent {
        /** Validates every field. */
        public Failed {
            Objects.requireNonNull(operation, "operation");
            Objects.requireNonNull(error, "error");
            Objects.requireNonNull(elapsed, "elapsed");
            Objects.requireNonNull(at, "at");
        }
    }

    /**
     * An archive was removed from a unit after its download was verified, or by {@code pruneUnitArchives}.
     *
     * @param operation the operation
     * @param unit      the unit
     * @param path      the archive that was on it
     * @param at        when
     */
    record UnitArchiveRemoved(String operation, String unit, String path, Instant at) implements BackupEvent {
        /** Validates every field. */
        public UnitArchiveRemoved {
            Objects.requireNonNull(operation, "operation");
            Objects.requireNonNull(unit, "unit");
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(at, "at");
        }
    }

    /**
     * A verified archive is on local disk under its final name (a backup's or a download's result), for metrics and
     * audit logs: the unit it came from, how large it is, and whether it is encrypted.
     *
     * @param operation  the operation
     * @param unit       the unit the snapshot was taken on
     * @param location   the archive: a file path, or {@code s3://bucket/key}
     * @param sizeBytes  its length (for an encrypted archive, the ciphertext's)
     * @param sha256     its SHA-256
     * @param encrypted  true for an age-encrypted archive
     * @param at         when
     */
    record ArchiveSaved(String operation, String unit, String location, long sizeBytes, String sha256,
                        boolean encrypted, Instant at) implements BackupEvent {
        /** Validates every field. */
        public ArchiveSaved {
            Objects.requireNonNull(operation, "operation");
            Objects.requireNonNull(unit, "unit");
            Objects.requireNonNull(location, "location");
            Objects.requireNonNull(sha256, "sha256");
            Objects.requireNonNull(at, "at");
        }
    }

    /**
     * An archive that was to be removed from a unit is still there; the backup itself succeeded.
     *
     * @param operation the operation
     * @param unit      the unit
     * @param path      the archive on it
     * @param error     why it could not be removed
     * @param at        when
     */
    record UnitArchiveKept(String operation, String unit, String path, RuntimeException error, Instant at)
            implements BackupEvent {
        /** Validates every field. */
        public UnitArchiveKept {
            Objects.requireNonNull(operation, "operation");
            Objects.requireNonNull(unit, "unit");
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(error, "error");
            Objects.requireNonNull(at, "at");
        }
    }
}
