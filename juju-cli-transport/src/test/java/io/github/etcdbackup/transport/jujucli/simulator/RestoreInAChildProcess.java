package io.github.etcdbackup.transport.jujucli.simulator;

import io.github.etcdbackup.client.EtcdBackupClient;
import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.restore.RestorePlan;
import io.github.etcdbackup.store.SnapshotStore;
import io.github.etcdbackup.transport.jujucli.JujuCliTransport;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The process {@link RestoreCrashTest} kills: plans a restore of the only archive in a store into a new application
 * and runs it with a journal. Arguments: juju executable, store directory, target application, journal.
 */
public final class RestoreInAChildProcess {
    private RestoreInAChildProcess() {
    }

    public static void main(String[] args) {
        Path juju = Path.of(args[0]);
        LocalSnapshot backup = SnapshotStore.open(Path.of(args[1])).list().get(0);
        try (EtcdBackupClient client = EtcdBackupClient.builder()
                .transport(JujuCliTransport.builder().executable(juju).build())
                .timeout(Duration.ofMinutes(2)).build()) {
            RestorePlan plan = client.planRestore(backup, RestoreCrashTest.into(args[2]).build());
            System.out.println(plan.describe());
            System.out.println(client.restore(plan, Path.of(args[3])).describe());
        }
    }
}
