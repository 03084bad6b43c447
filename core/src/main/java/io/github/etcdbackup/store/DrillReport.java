package io.github.etcdbackup.store;

import io.github.etcdbackup.StoredSnapshot;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The outcome of a restore drill: the archive was restored into a throwaway etcd and read back.
 *
 * @param snapshot     the archive drilled
 * @param keyCount     keys in the restored key space; -1 if the drill did not get that far
 * @param prefixCounts keys under each required prefix
 * @param problems     what went wrong, empty when the drill passed
 * @param elapsed      how long it took
 * @param failure      what kind of failure, {@link Failure#NONE} when it passed: a scheduler tells an archive that
 *                     does not restore from a drill that could not run
 */
public record DrillReport(StoredSnapshot snapshot, long keyCount, Map<String, Long> prefixCounts,
                          List<String> problems, Duration elapsed, Failure failure) {
    /** Why a drill did not pass. */
    public enum Failure {
        /** It passed. */
        NONE,
        /** The archive did not restore, etcd did not serve it, or a required prefix is empty: the archive's fault. */
        ARCHIVE,
        /** The drill's deadline passed first. */
        TIMEOUT,
        /** The calling thread was interrupted. */
        INTERRUPTED,
        /** The drill could not run here (etcd or etcdctl missing, a local I/O error); says nothing of the archive. */
        LOCAL,
        /** A keys-version v2 archive: the drill restores v3 archives ({@code SnapshotStore.verify} checks v2). */
        UNSUPPORTED
    }

    /** Validates and copies every field. */
    public DrillReport {
        Objects.requireNonNull(snapshot, "snapshot");
        prefixCounts = Map.copyOf(prefixCounts);
        problems = List.copyOf(problems);
        Objects.requireNonNull(elapsed, "elapsed");
        Objects.requireNonNull(failure, "failure");
        if ((failure == Failure.NONE) != problems.isEmpty()) {
            throw new IllegalArgumentException("a drill fails with problems, and passes without");
        }
    }

    /** True when the archive restored, etcd served it, and every required prefix holds keys. */
    public boolean passed() {
        return problems.isEmpty() && keyCount >= 0;
    }

    /** This report, about {@code stored} (the archive as its store holds it), taking {@code elapsed} in all. */
    public DrillReport withSnapshot(StoredSnapshot stored, Duration elapsed) {
        return new DrillReport(stored, keyCount, prefixCounts, problems, elapsed, failure);
    }
}
