package io.github.etcdbackup.store;

import io.github.etcdbackup.StoredSnapshot;
import java.util.List;

/**
 * What a prune keeps and deletes, oldest first.
 *
 * @param keep       the snapshots kept
 * @param delete     the snapshots deleted (or, for a dry run, that would be)
 * @param unverified the snapshots the policy would delete but that do not verify, each with its problems: prune
 *                   never deletes what it could not verify, so they are kept (and also in {@code keep})
 * @param executed   false for {@link SnapshotStore#planPrune(RetentionPolicy)}, true once deleted
 */
public record PrunePlan(List<StoredSnapshot> keep, List<StoredSnapshot> delete, List<StoreCheck> unverified,
                        boolean executed) {
    /** Copies every list. */
    public PrunePlan {
        keep = List.copyOf(keep);
        delete = List.copyOf(delete);
        unverified = List.copyOf(unverified);
    }
}
