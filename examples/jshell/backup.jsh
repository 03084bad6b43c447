// Back up etcd through the juju CLI from JShell, and look at what came back.
// Start it from the repository root (see README "JShell"):
//   jshell --class-path "$(cat examples/target/cp.txt)" -R-Djuju="$(command -v juju)" examples/jshell/backup.jsh
// -R-Djuju=... names the juju executable (default: juju on PATH); -R-Dbackups=DIR the download directory.
// The imports a JShell session needs: the backup values, the client, health, restore, the store, the exceptions.
import io.github.etcdbackup.*;
import io.github.etcdbackup.client.*;
import io.github.etcdbackup.exception.*;
import io.github.etcdbackup.health.*;
import io.github.etcdbackup.restore.*;
import io.github.etcdbackup.store.*;
import io.github.etcdbackup.transport.jujucli.*;
import java.nio.file.*;
import java.time.*;

// A failure prints the library's message and ends the session with exit status 1 (cron and scripts see it).
int status = 0;
LocalSnapshot backup = null;
HealthReport health = null;
try (var client = EtcdBackupClient.builder()
        .transport(JujuCliTransport.builder().executable(Path.of(System.getProperty("juju", "juju"))).build())
        .timeout(Duration.ofMinutes(10)).listener(System.out::println).build()) {
    backup = client.backup("etcd/leader", Path.of(System.getProperty("backups", "backups")));
    System.out.println(backup);
    health = client.health("etcd/leader");
    health.members().forEach(System.out::println);
    System.out.println("all members healthy: " + health.allMembersHealthy());
} catch (RuntimeException e) {
    System.out.println("FAILED (" + e.getClass().getSimpleName() + "): " + e.getMessage());
    status = 1;
}
/exit status
