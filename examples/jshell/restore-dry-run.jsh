// Print the restore plan of the newest backup: every step with the exact juju command. Changes nothing.
//   jshell --class-path "$(cat examples/target/cp.txt)" -R-Djuju="$(command -v juju)" examples/jshell/restore-dry-run.jsh
// The imports a JShell session needs: the backup values, the client, health, restore, the store, the exceptions.
import io.github.etcdbackup.*;
import io.github.etcdbackup.client.*;
import io.github.etcdbackup.exception.*;
import io.github.etcdbackup.health.*;
import io.github.etcdbackup.restore.*;
import io.github.etcdbackup.store.*;
import io.github.etcdbackup.transport.jujucli.*;
import java.nio.file.*;

// A failure (no store, no backup in it, a refused plan) prints why and ends with exit status 1.
int status = 0;
RestorePlan plan = null;
var backups = Path.of(System.getProperty("backups", "backups"));
try (var client = EtcdBackupClient.create(JujuCliTransport.builder()
        .executable(Path.of(System.getProperty("juju", "juju"))).build())) {
    var snapshots = SnapshotStore.open(backups).list();
    if (snapshots.isEmpty()) {
        throw new IllegalStateException("no verified backup in " + backups.toAbsolutePath() + ": run backup.jsh first");
    }
    plan = client.planRestore(snapshots.get(snapshots.size() - 1),
            RestoreOptions.juju().targetApplication("new-etcd").build());
    System.out.println(plan.describe());
} catch (RuntimeException e) {
    System.out.println("FAILED (" + e.getClass().getSimpleName() + "): " + e.getMessage());
    status = 1;
}
/exit status
