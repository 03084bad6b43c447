package io.github.etcdbackup.internal.store;

import io.github.etcdbackup.store.PrunePlan;
import io.github.etcdbackup.store.RetentionPolicy;
import io.github.etcdbackup.store.StoreCheck;
import io.github.etcdbackup.store.StoredSnapshot;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.IsoFields;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Decides which snapshots a {@link RetentionPolicy} keeps, the same way for every store. No I/O of its own: the
 * store passes its check of each archive.
 */
public final class RetentionPlanner {
    /** Orders snapshots oldest first; the archive name breaks ties between equal times. */
    public static final Comparator<StoredSnapshot> OLDEST_FIRST =
            Comparator.comparing((StoredSnapshot s) -> s.source().takenAt()).thenComparing(StoredSnapshot::name);

    private RetentionPlanner() {
    }

    /**
     * The snapshots to keep.
     *
     * @param snapshots     every snapshot of the store
     * @param policy        the policy
     * @param newestVerified the newest snapshot that verifies, kept whatever the policy says; may be {@code null}
     */
    public static <S extends StoredSnapshot> Set<S> keep(List<S> snapshots, RetentionPolicy policy,
                                                         S newestVerified) {
        List<S> newestFirst = snapshots.stream().sorted(OLDEST_FIRST.reversed()).toList();
        Set<S> keep = new LinkedHashSet<>(newestFirst.subList(0, Math.min(policy.keepLast(),
                newestFirst.size())));
        keepOnePerPeriod(newestFirst, policy.keepDaily(), t -> t.toLocalDate().toString(), keep);
        keepOnePerPeriod(newestFirst, policy.keepWeekly(),
                t -> t.get(IsoFields.WEEK_BASED_YEAR) + "-W" + t.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR), keep);
        keepOnePerPeriod(newestFirst, policy.keepMonthly(), t -> t.getYear() + "-" + t.getMonthValue(), keep);
        if (newestVerified != null) {
            keep.add(newestVerified);
        }
        return keep;
    }

    private static <S extends StoredSnapshot> void keepOnePerPeriod(List<S> newestFirst, int periods,
                                                                    Function<ZonedDateTime, String> period,
                                                                    Set<S> keep) {
        Set<String> seen = new HashSet<>();
        for (S snapshot : newestFirst) {
            if (seen.size() >= periods) {
                return;
            }
            if (seen.add(period.apply(snapshot.source().takenAt().atZone(ZoneOffset.UTC)))) {
                keep.add(snapshot);
            }
        }
    }

    /**
     * What a prune keeps and deletes. Only snapshots whose archive verifies are deleted; the newest that verifies is
     * always kept; one the policy would delete but that does not verify is kept and reported.
     *
     * @param oldestFirst  every listed snapshot of the store, oldest first
     * @param checkArchive checks one archive against its manifest (its {@code .sha256} copy aside); called at most
     *                     once per snapshot
     */
    public static <S extends StoredSnapshot> PrunePlan plan(List<S> oldestFirst, RetentionPolicy policy,
                                                            Function<S, StoreCheck> checkArchive) {
        Map<S, StoreCheck> checked = new HashMap<>();
        Function<S, StoreCheck> check = s -> checked.computeIfAbsent(s, checkArchive);
        S newestVerified = null;
        for (int i = oldestFirst.size() - 1; i >= 0 && newestVerified == null; i--) {
            if (check.apply(oldestFirst.get(i)).ok()) {
                newestVerified = oldestFirst.get(i);
            }
        }
        Set<S> kept = keep(oldestFirst, policy, newestVerified);
        List<StoredSnapshot> keep = new ArrayList<>();
        List<StoredSnapshot> delete = new ArrayList<>();
        List<StoreCheck> unverified = new ArrayList<>();
        for (S snapshot : oldestFirst) {
            if (kept.contains(snapshot)) {
                keep.add(snapshot);
            } else if (check.apply(snapshot).ok()) {
                delete.add(snapshot);
            } else {
                keep.add(snapshot);
                unverified.add(check.apply(snapshot));
            }
        }
        return new PrunePlan(keep, delete, unverified, false);
    }
}
