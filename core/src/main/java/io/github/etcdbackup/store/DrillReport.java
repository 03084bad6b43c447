package io.github.etcdbackup.store;

import io.github.etcdbackup.LocalSnapshot;

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
 */
public record DrillReport(LocalSnapshot snapshot, long keyCount, Map<String, Long> prefixCounts,
                          List<String> problems, Duration elapsed) {
    /** Validates and copies every field. */
    public DrillReport {
        Objects.requireNonNull(snapshot, "snapshot");
        prefixCounts = Map.copyOf(prefixCounts);
        problems = List.copyOf(problems);
        Objects.requireNonNull(elapsed, "elapsed");
    }

    /** True when the archive restored, etcd served it, and every required prefix holds keys. */
    public boolean passed() {
        return problems.isEmpty() && keyCount >= 0;
    }
}
