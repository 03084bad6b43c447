package io.github.etcdbackup.internal.store;

import io.github.etcdbackup.StoredSnapshot;

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
import java.util.function.Predicate;

/**
 * Decides which snapshots a retention policy keeps, the same way for every store. No I/O of its own: the store
 * passes its check of each archive.
 */
public final class RetentionPlanner {
    /** Orders snapshots oldest first; the archive name breaks ties between equal times. */
    public static final Comparator<StoredSnapshot> OLDEST_FIRST =
            Comparator.comparing((StoredSnapshot s) -> s.source().takenAt()).thenComparing(StoredSnapshot::name);

    /** How many of each kind a policy keeps (the fields of a {@code RetentionPolicy}). */
    public record Counts(int last, int daily, int weekly, int monthly) {
    }

    /**
     * What a prune does.
     *
     * @param keep       kept, oldest first (the unverified ones among them)
     * @param delete     to delete, oldest first: every one verified
     * @param unverified the checks of those the policy would delete but that do not verify: kept
     */
    public record Decision<S, C>(List<StoredSnapshot> keep, List<StoredSnapshot> delete, List<C> unverified) {
    }

    private RetentionPlanner() {
    }

    /**
     * The snapshots to keep.
     *
     * @param snapshots      every snapshot of the store
     * @param counts         the policy
     * @param newestVerified the newest snapshot that verifies, kept whatever the policy says; may be {@code null}
     */
    public static <S extends StoredSnapshot> Set<S> keep(List<S> snapshots, Counts counts, S newestVerified) {
        List<S> newestFirst = snapshots.stream().sorted(OLDEST_FIRST.reversed()).toList();
        Set<S> keep = new LinkedHashSet<>(newestFirst.subList(0, Math.min(counts.last(), newestFirst.size())));
        keepOnePerPeriod(newestFirst, counts.daily(), t -> t.toLocalDate().toString(), keep);
        keepOnePerPeriod(newestFirst, counts.weekly(),
                t -> t.get(IsoFields.WEEK_BASED_YEAR) + "-W" + t.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR), keep);
        keepOnePerPeriod(newestFirst, counts.monthly(), t -> t.getYear() + "-" + t.getMonthValue(), keep);
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
     * @param oldestFirst every listed snapshot of the store, oldest first
     * @param check       checks an archive against its manifest; called at most once per snapshot
     * @param verified    whether a check found the archive sound
     */
    public static <S extends StoredSnapshot, C> Decision<S, C> decide(List<S> oldestFirst, Counts counts,
                                                                      Function<S, C> check, Predicate<C> verified) {
        Map<S, C> checked = new HashMap<>();
        Predicate<S> ok = s -> verified.test(checked.computeIfAbsent(s, check));
        S newestVerified = null;
        for (int i = oldestFirst.size() - 1; i >= 0 && newestVerified == null; i--) {
            if (ok.test(oldestFirst.get(i))) {
                newestVerified = oldestFirst.get(i);
            }
        }
        Set<S> kept = keep(oldestFirst, counts, newestVerified);
        List<StoredSnapshot> keep = new ArrayList<>();
        List<StoredSnapshot> delete = new ArrayList<>();
        List<C> unverified = new ArrayList<>();
        for (S snapshot : oldestFirst) {
            if (kept.contains(snapshot)) {
                keep.add(snapshot);
            } else if (ok.test(snapshot)) {
                delete.add(snapshot);
            } else {
                keep.add(snapshot);
                unverified.add(checked.get(snapshot));
            }
        }
        return new Decision<>(keep, delete, unverified);
    }
}
