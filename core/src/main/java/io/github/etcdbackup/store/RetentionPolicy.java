package io.github.etcdbackup.store;

import io.github.etcdbackup.exception.InvalidInputException;

/**
 * Which snapshots {@link SnapshotStore#prune(RetentionPolicy)} keeps, like the common backup tools: the newest
 * {@code keepLast}, plus the newest of each of the last {@code keepDaily} days, {@code keepWeekly} ISO weeks and
 * {@code keepMonthly} months that have snapshots (UTC, by the time each snapshot was taken). A snapshot kept by any
 * rule is kept. The newest snapshot that verifies is always kept, whatever the policy says, and a snapshot that does
 * not verify is never deleted (see {@link SnapshotStore#prune(RetentionPolicy)}).
 *
 * @param keepLast    how many of the newest snapshots to keep
 * @param keepDaily   how many days to keep one snapshot for
 * @param keepWeekly  how many weeks to keep one snapshot for
 * @param keepMonthly how many months to keep one snapshot for
 */
public record RetentionPolicy(int keepLast, int keepDaily, int keepWeekly, int keepMonthly) {
    /** Validates every field. */
    public RetentionPolicy {
        if (keepLast < 0 || keepDaily < 0 || keepWeekly < 0 || keepMonthly < 0) {
            throw new InvalidInputException("retention policy", keepLast + "/" + keepDaily + "/" + keepWeekly + "/"
                    + keepMonthly, "counts must be >= 0");
        }
    }

    /** A builder; everything starts at 0 (keep only the newest verified snapshot). */
    public static Builder builder() {
        return new Builder();
    }

    /** Builder for {@link RetentionPolicy}. */
    public static final class Builder {
        private int keepLast;
        private int keepDaily;
        private int keepWeekly;
        private int keepMonthly;

        private Builder() {
        }

        /** Keep the newest {@code n}. */
        public Builder keepLast(int n) {
            keepLast = n;
            return this;
        }

        /** Keep the newest of each of the last {@code n} days with snapshots. */
        public Builder keepDaily(int n) {
            keepDaily = n;
            return this;
        }

        /** Keep the newest of each of the last {@code n} ISO weeks with snapshots. */
        public Builder keepWeekly(int n) {
            keepWeekly = n;
            return this;
        }

        /** Keep the newest of each of the last {@code n} months with snapshots. */
        public Builder keepMonthly(int n) {
            keepMonthly = n;
            return this;
        }

        /** Builds the policy. */
        public RetentionPolicy build() {
            return new RetentionPolicy(keepLast, keepDaily, keepWeekly, keepMonthly);
        }
    }
}
