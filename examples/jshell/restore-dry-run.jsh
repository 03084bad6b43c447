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

var store = SnapshotStore.open(Path.of(System.getProperty("backups", "backups")));
var newest = store.list().get(store.list().size() - 1);
var client = EtcdBackupClient.create(JujuCliTransport.builder().executable(Path.of(System.getProperty("juju", "juju"))).build());
var plan = client.planRestore(newest, RestoreOptions.juju().targetApplication("new-etcd").build());
System.out.println(plan.describe());
client.close();
/exit
