package io.github.etcdbackup.testing;

import io.github.etcdbackup.exception.InvalidInputException;
import io.github.etcdbackup.exception.OperationTimeoutException;
import io.github.etcdbackup.exception.TransportException;
import io.github.etcdbackup.spi.Deadline;
import io.github.etcdbackup.spi.ModelCommands;
import io.github.etcdbackup.spi.ModelOperations;
import io.github.etcdbackup.status.ApplicationStatus;
import io.github.etcdbackup.status.ModelStatus;
import io.github.etcdbackup.status.UnitStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.function.Executable;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The behaviour every {@link ModelOperations} must show, run against the fake model and the juju-cli transport on
 * the simulator (both dialects): status that names the etcd application and its leader, command lines that name
 * their arguments, hostile names refused before anything changes (by the operations and their command lines alike),
 * and deadlines that hold.
 */
public abstract class ModelOperationsContract {
    private static final List<String> HOSTILE_APPLICATIONS = List.of("x; rm -rf /", "$(reboot)", "-m", "a b", "");

    @TempDir
    protected Path work;

    /** The operations of a model that holds an etcd application with at least one unit. */
    protected abstract ModelOperations model();

    /** That etcd application's name. */
    protected abstract String etcdApplication();

    private static Deadline deadline() {
        return Deadline.after(Duration.ofMinutes(1));
    }

    @Test
    void statusListsTheEtcdApplicationWithExactlyOneLeader() {
        ModelStatus status = model().status(deadline());
        ApplicationStatus etcd = status.application(etcdApplication()).orElseThrow();
        assertThat(etcd.charmName()).isEqualTo("etcd");
        assertThat(etcd.units()).isNotEmpty().allSatisfy(unit ->
                assertThat(unit.name()).startsWith(etcdApplication() + "/"));
        assertThat(etcd.units()).filteredOn(UnitStatus::leader).hasSize(1);
        assertThat(status.jujuVersion()).isNotBlank();
    }

    @Test
    void commandLinesNameEveryArgument() throws IOException {
        ModelCommands commands = model().commands(deadline());
        Path archive = Files.write(work.resolve("archive.tar.gz"), new byte[] {1, 2, 3});
        String leader = etcdApplication() + "/leader";
        assertThat(commands.status()).isNotBlank();
        assertThat(commands.deploy("etcd", "contract-etcd", "1.29/stable", "ubuntu@22.04",
                Map.of("channel", "3.4/stable"))).contains("etcd", "contract-etcd", "1.29/stable", "3.4/stable");
        assertThat(commands.attachResource("contract-etcd", "snapshot", archive))
                .contains("contract-etcd", "snapshot", archive.toAbsolutePath().toString());
        assertThat(commands.integrate("contract-etcd", etcdApplication())).contains("contract-etcd", etcdApplication());
        assertThat(commands.addUnit("contract-etcd", 2)).contains("contract-etcd", "2");
        assertThat(commands.removeRelation(etcdApplication() + ":db", "contract-client"))
                .contains(etcdApplication() + ":db", "contract-client");
        assertThat(commands.copyToUnit(leader, archive, "/home/ubuntu/archive.tar.gz"))
                .contains(leader, "/home/ubuntu/archive.tar.gz");
        assertThat(commands.runAsRoot(leader, "true")).contains(leader);
        assertThat(commands.runRestore(leader, Map.of(), Duration.ofMinutes(10))).contains(leader, "restore");
        assertThat(commands.health(leader, Duration.ofMinutes(1))).contains(leader, "health");
    }

    @Test
    void hostileNamesAreRefusedBeforeAnythingChanges() throws IOException {
        ModelOperations model = model();
        ModelCommands commands = model.commands(deadline());
        List<String> before = applications(model);
        Path archive = Files.write(work.resolve("archive.tar.gz"), new byte[] {1, 2, 3});
        for (String bad : HOSTILE_APPLICATIONS) {
            refused(() -> model.deploy("etcd", bad, "", "", Map.of(), deadline()), bad);
            refused(() -> commands.deploy("etcd", bad, "", "", Map.of()), bad);
            refused(() -> model.integrate(etcdApplication(), bad, deadline()), bad);
            refused(() -> commands.integrate(etcdApplication(), bad), bad);
            refused(() -> model.removeRelation(etcdApplication() + ":db", bad, deadline()), bad);
            refused(() -> commands.removeRelation(etcdApplication() + ":db", bad), bad);
            refused(() -> model.addUnit(bad, 1, deadline()), bad);
            refused(() -> commands.addUnit(bad, 1), bad);
            refused(() -> model.removeApplication(bad, deadline()), bad);
            refused(() -> model.config(bad, "channel", deadline()), bad);
            refused(() -> model.attachResource(bad, "snapshot", archive, deadline()), bad);
            refused(() -> model.copyToUnit(bad + "/0", archive, "/home/ubuntu/a.tar.gz", deadline()), bad);
            refused(() -> model.runAsRoot(bad + "/0", "true", deadline()), bad);
            refused(() -> model.runRestore(bad + "/0", Map.of(), deadline()), bad);
        }
        refused(() -> model.addUnit(etcdApplication(), 0, deadline()), "0 units");
        refused(() -> commands.addUnit(etcdApplication(), 0), "0 units");
        refused(() -> model.copyToUnit(etcdApplication() + "/0", archive, "../../etc/passwd", deadline()),
                "a relative remote path");
        assertThat(applications(model)).isEqualTo(before);
    }

    @Test
    void removingARelationThatDoesNotExistIsATransportErrorAndChangesNothing() {
        List<String> before = applications(model());
        assertThatThrownBy(() -> model().removeRelation(etcdApplication() + ":db", etcdApplication() + "-no-such",
                deadline())).isInstanceOf(TransportException.class).hasMessageContaining("not found");
        assertThat(applications(model())).isEqualTo(before);
    }

    @Test
    void anExpiredDeadlineEndsACallWithATimeout() throws InterruptedException {
        Deadline expired = Deadline.after(Duration.ofNanos(1));
        Thread.sleep(2);
        assertThatThrownBy(() -> model().status(expired)).isInstanceOf(OperationTimeoutException.class);
        assertThatThrownBy(() -> model().config(etcdApplication(), "channel", expired))
                .isInstanceOf(OperationTimeoutException.class);
    }

    private static List<String> applications(ModelOperations model) {
        return model.status(deadline()).applications().stream().map(ApplicationStatus::name).sorted().toList();
    }

    private static void refused(Executable call, String what) {
        assertThatThrownBy(call::execute).as(what).isInstanceOf(InvalidInputException.class);
    }
}
