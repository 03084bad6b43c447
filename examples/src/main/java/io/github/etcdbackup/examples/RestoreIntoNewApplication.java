package io.github.etcdbackup.examples;

import io.github.etcdbackup.client.EtcdBackupClient;
import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.restore.RestoreOptions;
import io.github.etcdbackup.restore.RestorePlan;
import io.github.etcdbackup.restore.RestoreReport;
import io.github.etcdbackup.store.SnapshotStore;
import io.github.etcdbackup.transport.jujucli.JujuCliTransport;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Restores the newest verified backup of a store into a fresh {@code new-etcd} application, the documented way:
 * a plan printed first (a dry run), then run step by step, each step checked before the next.
 *
 * <p>Usage: {@code RestoreIntoNewApplication [path-to-juju] [backup-dir] [--dry-run]}.
 */
public final class RestoreIntoNewApplication {
    private RestoreIntoNewApplication() {
    }

    /** Runs the example. */
    public static void main(String[] args) {
        Path juju = Path.of(args.length > 0 ? args[0] : "juju");
        Path dir = Path.of(args.length > 1 ? args[1] : "backups");
        boolean dryRun = List.of(args).contains("--dry-run");
        RestoreReport report = restore(juju, dir, dryRun, Duration.ofSeconds(5));
        System.exit(report == null || report.completed() ? 0 : 1);
    }

    /** The example's work; returns {@code null} for a dry run. */
    public static RestoreReport restore(Path juju, Path dir, boolean dryRun, Duration pollInterval) {
        List<LocalSnapshot> backups = SnapshotStore.open(dir).list();
        if (backups.isEmpty()) {
            throw new IllegalStateException("no backup in " + dir);
        }
        LocalSnapshot newest = backups.get(backups.size() - 1);
        try (EtcdBackupClient client = EtcdBackupClient.builder()
                .transport(JujuCliTransport.builder().executable(juju).build())
                .listener(new ConsoleProgress(System.out))
                .build()) {
            // tag::restore[]
            RestorePlan plan = client.planRestore(newest, RestoreOptions.juju()
                    .targetApplication("new-etcd")          // the old application stays untouched
                    .pollInterval(pollInterval)
                    .build());
            System.out.println(plan.describe());           // every step with its exact juju command
            if (dryRun) {
                return null;
            }
            // The journal writes the plan and every step down as it runs: if this process dies, another one
            // continues with client.resume(journal). It refuses to overwrite the journal of an earlier restore.
            Path journal = dir.resolve("new-etcd.restore-journal");
            RestoreReport report = client.restore(plan, journal);
            System.out.println(report.describe());         // where it stopped, if it did
            return report.completed() ? report : client.resume(journal);
            // end::restore[]
        }
    }
}
