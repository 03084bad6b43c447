package io.github.etcdbackup.transport.jujucli.simulator;

import io.github.etcdbackup.KeysVersion;
import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.SnapshotRequest;
import io.github.etcdbackup.client.EtcdBackupClient;
import io.github.etcdbackup.restore.RestoreOptions;
import io.github.etcdbackup.restore.RestorePlan;
import io.github.etcdbackup.restore.RestoreReport;
import io.github.etcdbackup.testkit.EtcdUnit;
import io.github.etcdbackup.testkit.JujuSimulator;
import io.github.etcdbackup.transport.jujucli.JujuCliTransport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Charm revisions before 2023 issued server certificates without {@code 127.0.0.1} (layer-etcd 4aed0e97 added it):
 * the v2 key replay must reach the restored cluster at the unit's advertised client URL, which its certificate
 * names, not at {@code https://127.0.0.1:2379}.
 */
@Timeout(300)
class Pre2023CertificatesOnSimulatorTest {
    @TempDir
    Path work;

    @Test
    void theV2KeysAreReplayedThroughTheAddressTheCertificateNames() throws Exception {
        try (JujuSimulator sim = JujuSimulator.builder().jujuVersion("3.4.2").workDir(work.resolve("model"))
                .pre2023Certificates(true).build()) {
            sim.deploy("etcd", 1);
            sim.deploy("easyrsa", 1);
            sim.integrate("etcd", "easyrsa");
            EtcdUnit source = sim.unit("etcd/0");
            assertThat(source.clientUrl()).startsWith("https://127.0.0.2:");
            // What the old script did, from the unit: its certificate does not name 127.0.0.1.
            String port = source.clientUrl().substring(source.clientUrl().lastIndexOf(':') + 1);
            assertThat(source.etcdctlV2("--endpoints", "https://127.0.0.1:" + port, "ls", "/").succeeded()).isFalse();
            source.put("/registry/pods/default/a", "{}");
            source.etcdctlV2("set", "/coreos.com/network/config", "{\"Network\":\"10.1.0.0/16\"}").orThrow();
            Thread.sleep(1000);
            try (EtcdBackupClient client = EtcdBackupClient.builder().transport(JujuCliTransport.builder()
                    .executable(sim.jujuExecutable()).build()).timeout(Duration.ofMinutes(2)).build()) {
                LocalSnapshot v3 = client.backup("etcd/0", work.resolve("backups"));
                LocalSnapshot v2 = client.backup(SnapshotRequest.builder().unit("etcd/0")
                        .keysVersion(KeysVersion.V2).build(), work.resolve("v2-backups"));
                RestorePlan plan = client.planRestore(v3, RestoreOptions.juju().targetApplication("new-etcd")
                        .units(1).cniApplications(List.of()).v2Snapshot(v2).pollInterval(Duration.ofMillis(200))
                        .settleTimeout(Duration.ofMinutes(2)).build());

                RestoreReport report = client.restore(plan);

                assertThat(report.completed()).as(report.describe()).isTrue();
            }
            EtcdUnit restored = sim.unit("new-etcd/0");
            assertThat(restored.get("/registry/pods/default/a")).hasValue("{}");
            assertThat(restored.etcdctlV2("get", "--quorum", "/coreos.com/network/config").orThrow().stdoutText())
                    .isEqualTo("{\"Network\":\"10.1.0.0/16\"}\n");
        }
    }
}
