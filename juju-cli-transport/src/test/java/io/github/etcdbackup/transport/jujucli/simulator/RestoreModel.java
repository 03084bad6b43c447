package io.github.etcdbackup.transport.jujucli.simulator;

import io.github.etcdbackup.client.EtcdBackupClient;
import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.testkit.JujuSimulator;
import io.github.etcdbackup.transport.jujucli.JujuCliTransport;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The model the restore tests start from: a 3-unit etcd related to easyrsa, holding {@code keys} v3 keys under
 * {@code /registry/}, and a verified backup of it.
 */
record RestoreModel(JujuSimulator sim, LocalSnapshot backup) {
    static RestoreModel backedUp(Path work, int keys) throws InterruptedException {
        return backedUp(work, keys, "3.4.2");
    }

    /** The same on a simulator of another Juju version, such as 2.9.45. */
    static RestoreModel backedUp(Path work, int keys, String jujuVersion) throws InterruptedException {
        JujuSimulator sim = JujuSimulator.builder().jujuVersion(jujuVersion).workDir(work.resolve("model")).build();
        sim.deploy("etcd", 3);
        sim.deploy("easyrsa", 1);
        sim.integrate("etcd", "easyrsa");
        Map<String, String> entries = new LinkedHashMap<>();
        for (int i = 0; i < keys; i++) {
            entries.put("/registry/pods/default/p" + i, "v" + i);
        }
        sim.unit("etcd/0").putAll(entries);
        // The charm copies the live bbolt file, which etcd commits every 100 ms.
        Thread.sleep(1000);
        try (EtcdBackupClient client = EtcdBackupClient.builder().transport(JujuCliTransport.builder()
                .executable(sim.jujuExecutable()).build()).timeout(Duration.ofMinutes(2)).build()) {
            return new RestoreModel(sim, client.backup("etcd/leader", work.resolve("backups")));
        }
    }
}
