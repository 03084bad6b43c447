package io.github.etcdbackup.examples;

import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.client.EtcdBackupClient;
import io.github.etcdbackup.metrics.EtcdBackupMetrics;
import io.github.etcdbackup.spi.EtcdTransport;
import io.github.etcdbackup.store.SnapshotStore;
import io.github.etcdbackup.transport.jujucli.JujuCliTransport;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.nio.file.Path;

/**
 * A backup whose outcome, size and time land in a Micrometer registry (a SimpleMeterRegistry here; Prometheus or
 * OTLP in production), then the store's verification.
 *
 * <p>Usage: {@code BackupWithMetrics [path-to-juju] [backup-dir]}.
 */
public final class BackupWithMetrics {
    private BackupWithMetrics() {
    }

    /** Runs the example. */
    public static void main(String[] args) {
        MeterRegistry registry = new SimpleMeterRegistry();
        backup(Path.of(args.length > 0 ? args[0] : "juju"), Path.of(args.length > 1 ? args[1] : "backups"), registry);
        registry.getMeters().forEach(meter -> System.out.println(meter.getId() + " " + meter.measure()));
    }

    /** One backup of {@code etcd/leader} and a verification of the store, recorded in {@code registry}. */
    public static LocalSnapshot backup(Path juju, Path dir, MeterRegistry registry) {
        EtcdTransport transport = JujuCliTransport.builder().executable(juju).build();
        // tag::metrics[]
        EtcdBackupMetrics metrics = EtcdBackupMetrics.on(registry);
        try (EtcdBackupClient client = EtcdBackupClient.builder().transport(transport).listener(metrics).build()) {
            LocalSnapshot backup = client.backup("etcd/leader", dir);
            metrics.recordVerification(SnapshotStore.open(dir).verifyAll());
            return backup;
        }
        // end::metrics[]
    }
}
