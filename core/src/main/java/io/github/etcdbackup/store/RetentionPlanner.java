package io.github.etcdbackup.store;

import io.github.etcdbackup.LocalSnapshot;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.IsoFields;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/** Decides which snapshots a {@link RetentionPolicy} keeps. Pure: no I/O, so every edge case is easy to test. */
final class RetentionPlanner {
    /** Orders snapshots oldest first; the archive name breaks ties between equal times. */
    public static final Comparator<LocalSnapshot> OLDEST_FIRST =
            Comparator.comparing((LocalSnapshot s) -> s.source().takenAt())
                    .thenComparing(s -> s.file().getFileName().toString());

    private RetentionPlanner() {
    }

    /**
     * The snapshots to keep.
     *
     * @param snapshots     every snapshot of the store
     * @param policy        the policy
     * @param newestVerified the newest snapshot that verifies, kept whatever the policy says; may be {@code null}
     */
    public static Set<LocalSnapshot> keep(List<LocalSnapshot> snapshots, RetentionPolicy policy,
                                          LocalSnapshot newestVerified) {
        List<LocalSnapshot> newestFirst = snapshots.stream().sorted(OLDEST_FIRST.reversed()).toList();
        Set<LocalSnapshot> keep = new LinkedHashSet<>(newestFirst.subList(0, Math.min(policy.keepLast(),
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

    private static void keepOnePerPeriod(List<LocalSnapshot> newestFirst, int periods,
                                         Function<ZonedDateTime, String> period, Set<LocalSnapshot> keep) {
        Set<String> seen = new HashSet<>();
        for (LocalSnapshot snapshot : newestFirst) {
            if (seen.size() >= periods) {
                return;
            }
            if (seen.add(period.apply(snapshot.source().takenAt().atZone(ZoneOffset.UTC)))) {
                keep.add(snapshot);
            }
        }
    }
}
