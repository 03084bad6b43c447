package io.github.etcdbackup.testkit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(180)
class EtcdClusterTest {
    @TempDir
    static Path workDir;
    static EtcdCluster cluster;

    @BeforeAll
    static void startCluster() {
        cluster = EtcdCluster.start(workDir, "etcd", 3);
    }

    @AfterAll
    static void stopCluster() {
        cluster.close();
        assertThat(LeftoverProcesses.etcdOrSshdUnder(workDir)).isEmpty();
    }

    @Test
    void unitsHaveTheCharmLayout() {
        EtcdUnit unit = cluster.unit("etcd/1");
        assertThat(unit.name()).isEqualTo("etcd/1");
        assertThat(unit.memberName()).isEqualTo("etcd1");
        assertThat(unit.root()).isEqualTo(workDir.resolve("units/etcd-1/root"));
        assertThat(unit.clientUrl()).matches("https://127\\.0\\.0\\.1:\\d+");
        for (String file : List.of("ca.crt", "server.crt", "server.key", "client.crt", "client.key", "etcd.conf.yml")) {
            assertThat(unit.root().resolve("var/snap/etcd/common/" + file)).isRegularFile();
        }
        assertThat(unit.root().resolve("var/snap/etcd/current/member/snap/db")).isRegularFile();
        assertThat(unit.snapshotDir()).isEqualTo(unit.root().resolve("home/ubuntu/etcd-snapshots")).isDirectory();
        assertThat(unit.hostPath("/var/snap/etcd/current/member/snap/db"))
                .isEqualTo(unit.dataDir().resolve("member/snap/db"));
        assertThat(unit.logFile()).isRegularFile();
    }

    @Test
    void writesThroughOneMemberAreReadThroughAnother() {
        cluster.unit("etcd/0").put("/registry/pods/default/a", "hello world");
        assertThat(cluster.unit("etcd/2").get("/registry/pods/default/a")).contains("hello world");
        assertThat(cluster.unit("etcd/2").get("/registry/none")).isEmpty();
    }

    @Test
    void putAllWritesThousandsOfKeysQuickly() {
        Map<String, String> keys = new LinkedHashMap<>();
        for (int i = 0; i < 1000; i++) {
            keys.put("/registry/configmaps/bulk/cm-" + i, "{\"kind\": \"ConfigMap\",\n\t\"n\": " + i + "}");
        }
        cluster.unit("etcd/1").putAll(keys);
        assertThat(cluster.unit("etcd/0").count("/registry/configmaps/bulk/")).isEqualTo(1000);
        assertThat(cluster.unit("etcd/2").get("/registry/configmaps/bulk/cm-7"))
                .contains("{\"kind\": \"ConfigMap\",\n\t\"n\": 7}");
    }

    @Test
    void v2ClusterHealthWorksWithTheEnvironment() {
        EtcdUnit unit = cluster.unit("etcd/0");
        CommandResult result = Commands.run(List.of("etcdctl", "--endpoints", unit.clientUrl(), "cluster-health"),
                unit.etcdctlV2Env());
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdoutText()).contains("cluster is healthy")
                .containsPattern("member [0-9a-f]+ is healthy: got healthy result from " + unit.clientUrl());
        assertThat(result.stdoutText().lines().filter(l -> l.startsWith("member "))).hasSize(3);

        CommandResult fromEnvironment = Commands.run(List.of("etcdctl", "cluster-health"), unit.etcdctlV2Env());
        assertThat(fromEnvironment.stdoutText()).as("ETCDCTL_ENDPOINTS is honoured").contains("cluster is healthy");
    }

    @Test
    void v3ArgsReachTheMember() {
        List<String> command = new ArrayList<>(List.of("etcdctl"));
        command.addAll(cluster.unit("etcd/2").etcdctlV3Args());
        command.add("endpoint");
        command.add("health");
        assertThat(Commands.run(command, Map.of("ETCDCTL_API", "3")).exitCode()).isZero();
    }

    @Test
    void aStoppedMemberCanBeRestartedAndRejoins() throws Exception {
        EtcdUnit unit = cluster.unit("etcd/2");
        long pid = unit.pid().orElseThrow();
        unit.stop();
        assertThat(unit.running()).isFalse();
        assertThat(ProcessHandle.of(pid)).isEmpty();
        cluster.unit("etcd/0").put("/while-stopped", "x");
        unit.start();
        cluster.awaitHealthy(Duration.ofSeconds(30));
        assertThat(unit.get("/while-stopped")).contains("x");
        assertThat(Files.readString(unit.configFile())).contains("enable-v2: true");
    }

    @Test
    void aKilledMemberRestartsFromItsDataDir() {
        EtcdUnit unit = cluster.unit("etcd/1");
        unit.kill();
        assertThat(unit.running()).isFalse();
        unit.start();
        cluster.awaitHealthy(Duration.ofSeconds(30));
        assertThat(unit.healthy()).isTrue();
    }
}
