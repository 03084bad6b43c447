package io.github.etcdbackup.transport.jujucli.simulator;

import io.github.etcdbackup.exception.ActionFailedException;
import io.github.etcdbackup.exception.ChecksumMismatchException;
import io.github.etcdbackup.client.EtcdBackupClient;
import io.github.etcdbackup.health.HealthReport;
import io.github.etcdbackup.KeysVersion;
import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.status.ModelStatus;
import io.github.etcdbackup.Snapshot;
import io.github.etcdbackup.SnapshotRequest;
import io.github.etcdbackup.store.LocalSnapshotStore;
import io.github.etcdbackup.store.SnapshotStore;
import io.github.etcdbackup.testkit.JujuSimulator;
import io.github.etcdbackup.testkit.LeftoverProcesses;
import io.github.etcdbackup.transport.jujucli.JujuCliTransport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Backups of a 3-unit cluster of real etcd through the juju CLI simulator, both key spaces, and its traps. */
@Timeout(300)
class EndToEndTest {
    @TempDir
    static Path work;
    private static JujuSimulator sim;
    private static EtcdBackupClient client;

    @BeforeAll
    static void startModel() throws InterruptedException {
        sim = JujuSimulator.builder().jujuVersion("3.4.2").workDir(work.resolve("model")).build();
        sim.deploy("etcd", 3);
        sim.deploy("easyrsa", 1);
        sim.deploy("kubernetes-control-plane", "kubernetes-master", 1);
        sim.integrate("etcd", "easyrsa");
        sim.integrate("etcd", "kubernetes-master");
        sim.unit("etcd/0").putAll(Map.of("/registry/a", "1", "/registry/b", "2"));
        // The charm copies the live bbolt file, which etcd commits every 100 ms.
        Thread.sleep(1000);
        client = EtcdBackupClient.builder().transport(JujuCliTransport.builder().executable(sim.jujuExecutable())
                .model("k8s").build()).timeout(Duration.ofMinutes(2)).build();
    }

    @AfterAll
    static void stopModel() {
        client.close();
        sim.close();
        assertThat(LeftoverProcesses.etcdOrSshdUnder(work)).isEmpty();
    }

    @AfterEach
    void clearFaults() {
        sim.clearFaults();
    }

    @Test
    void v3AndV2SnapshotsOfAThreeUnitClusterVerifyAndAreStoredWithTheirMetadata() {
        // Separate directories: the charm names archives by the second, so two snapshots taken in the same second
        // have the same name (the download refuses to overwrite one with the other).
        LocalSnapshot v3 = client.backup("etcd/leader", work.resolve("v3"));
        Snapshot v2Remote = client.snapshot(SnapshotRequest.builder().unit("etcd/2").keysVersion(KeysVersion.V2).build());
        LocalSnapshot v2 = client.download(v2Remote, work.resolve("v2"));

        assertThat(v3.source().unit()).isEqualTo(sim.leader("etcd"));
        assertThat(v3.source().actionId()).isPresent();
        assertThat(v2.source().keysVersion()).isEqualTo(KeysVersion.V2);
        for (String dir : new String[] {"v3", "v2"}) {
            assertThat(SnapshotStore.open(work.resolve(dir)).verifyAll()).singleElement()
                    .satisfies(check -> assertThat(check.problems()).isEmpty());
        }
        LocalSnapshotStore store = SnapshotStore.open(work.resolve("v3"));
        assertThat(store.modelOf(v3)).isEqualTo("k8s");
        assertThat(store.drill(v3).keyCount()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void aFlippedByteInTheSshStreamIsCaughtAndTheRetryVerifies() {
        Path dir = work.resolve("flip");
        Snapshot snapshot = client.snapshot("etcd/0");
        sim.flipSshByte(100, 1);
        assertThatThrownBy(() -> client.download(snapshot, dir)).isInstanceOf(ChecksumMismatchException.class);
        assertThat(client.download(snapshot, dir).verify().sha256()).isEqualTo(snapshot.sha256());
    }

    @Test
    void aStoppedMemberIsReportedEvenThoughTheActionCompletes() throws InterruptedException {
        sim.stopEtcd("etcd/2");
        try {
            HealthReport report = client.health("etcd/0");
            assertThat(report.allMembersHealthy()).isFalse();
        } finally {
            sim.startEtcd("etcd/2");
        }
        assertThat(healthyWithin(Duration.ofSeconds(60))).as("healthy again after the restart").isTrue();
    }

    /** A restarted member needs a moment to rejoin; poll, as an operator would. */
    private static boolean healthyWithin(Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            if (client.health("etcd/0").allMembersHealthy()) {
                return true;
            }
            Thread.sleep(500);
        }
        return false;
    }

    @Test
    void aCrashedSnapshotIsAnActionFailureWithItsData() {
        sim.dataOnAttachedStorage("etcd/1", true);
        assertThatThrownBy(() -> client.snapshot("etcd/1"))
                .isInstanceOfSatisfying(ActionFailedException.class, e -> {
                    assertThat(e.unit()).isEqualTo("etcd/1");
                    assertThat(e.returnCode()).hasValue(1);
                    assertThat(e.stderrTail()).contains("cannot stat");
                });
    }

    @Test
    void statusFindsTheControlPlaneByCharmName() {
        ModelStatus status = client.status();
        assertThat(status.applicationsOfCharm("kubernetes-control-plane")).singleElement()
                .satisfies(app -> assertThat(app.name()).isEqualTo("kubernetes-master"));
        assertThat(status.application("etcd").orElseThrow().units()).hasSize(3)
                .allSatisfy(u -> assertThat(u.workloadMessage()).isEqualTo("Healthy with 3 known peers"));
    }
}
