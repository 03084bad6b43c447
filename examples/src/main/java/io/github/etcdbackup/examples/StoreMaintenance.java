package io.github.etcdbackup.examples;

import io.github.etcdbackup.store.DrillOptions;
import io.github.etcdbackup.store.DrillReport;
import io.github.etcdbackup.StoredSnapshot;
import io.github.etcdbackup.store.PrunePlan;
import io.github.etcdbackup.store.RetentionPolicy;
import io.github.etcdbackup.store.SnapshotStore;
import io.github.etcdbackup.store.StoreCheck;

import java.nio.file.Path;
import java.util.List;

/**
 * Keeps a backup directory trustworthy: lists it, checks every archive at rest, proves the newest restores (a
 * drill into a throwaway local etcd), and prunes by a retention policy.
 *
 * <p>Usage: {@code StoreMaintenance [backup-dir] [--prune]}; exits 1 when a check or the drill fails.
 */
public final class StoreMaintenance {
    private StoreMaintenance() {
    }

    /** Runs the example. */
    public static void main(String[] args) {
        Path dir = Path.of(args.length > 0 ? args[0] : "backups");
        boolean ok = maintain(dir, List.of(args).contains("--prune"));
        System.exit(ok ? 0 : 1);
    }

    /** The example's work; true when every archive is sound and the newest restores. */
    public static boolean maintain(Path dir, boolean prune) {
        // tag::store[]
        SnapshotStore store = SnapshotStore.open(dir);   // or an S3SnapshotStore: the same contract
        List<? extends StoredSnapshot> snapshots = store.list();
        snapshots.forEach(s -> System.out.println(s.name() + "  " + s.source().unit() + "  "
                + s.source().takenAt() + "  " + s.sizeBytes() + " bytes"));
        boolean sound = true;
        for (StoreCheck check : store.verifyAll()) {
            System.out.println((check.ok() ? "ok       " : "PROBLEM  ") + check.name()
                    + (check.ok() ? "" : "  " + check.problems()));
            sound &= check.ok();
        }
        if (!snapshots.isEmpty()) {
            DrillReport drill = store.drill(snapshots.get(snapshots.size() - 1),
                    DrillOptions.defaults().requirePrefixes("/registry/"));
            System.out.println("drill: " + (drill.passed() ? "restored " + drill.keyCount() + " keys" : drill.problems()));
            sound &= drill.passed();
        }
        RetentionPolicy policy = RetentionPolicy.builder().keepLast(7).keepDaily(14).keepWeekly(8).keepMonthly(12).build();
        PrunePlan plan = prune ? store.prune(policy) : store.planPrune(policy);
        System.out.println((plan.executed() ? "deleted " : "would delete ") + plan.delete().size() + ", keeping "
                + plan.keep().size());
        // end::store[]
        return sound;
    }
}
