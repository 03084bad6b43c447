package io.github.etcdbackup.transport.ssh;

import io.github.etcdbackup.testkit.EtcdCluster;
import io.github.etcdbackup.testkit.EtcdUnit;
import io.github.etcdbackup.testkit.LeftoverProcesses;
import io.github.etcdbackup.testkit.LocalSshd;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real etcd cluster (testkit) whose units are all reached through one real OpenSSH sshd on loopback, directly or
 * through a proxy that tests can cut. Every unit lives under its own root, so each gets its own layout.
 */
final class Testbed implements AutoCloseable {
    final Path dir;
    final EtcdCluster cluster;
    final LocalSshd sshd;
    final CuttingProxy proxy;
    /** Trusts the sshd under its own port and under the proxy's (known_hosts entries are per [host]:port). */
    final Path knownHosts;

    private Testbed(Path dir, EtcdCluster cluster, LocalSshd sshd, CuttingProxy proxy) {
        this.dir = dir;
        this.cluster = cluster;
        this.sshd = sshd;
        this.proxy = proxy;
        this.knownHosts = writeKnownHosts(dir.resolve("known_hosts"), sshd, proxy.port());
    }

    static Testbed start(Path dir, int members) {
        EtcdCluster cluster = EtcdCluster.start(dir.resolve("cluster"), "etcd", members);
        LocalSshd sshd = null;
        try {
            sshd = LocalSshd.start(dir.resolve("sshd"));
            return new Testbed(dir, cluster, sshd, CuttingProxy.to(sshd.host(), sshd.port()));
        } catch (RuntimeException e) {
            if (sshd != null) {
                sshd.close();
            }
            cluster.close();
            throw e;
        }
    }

    private static Path writeKnownHosts(Path file, LocalSshd sshd, int extraPort) {
        List<String> lines = new ArrayList<>(sshd.knownHostsLines());
        for (String line : sshd.knownHostsLines()) {
            lines.add(line.replace("]:" + sshd.port() + " ", "]:" + extraPort + " "));
        }
        try {
            return Files.write(file, lines);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes {@code count} keys of 1000 random base64 characters each (gzip cannot shrink them much). */
    static void putRandomKeys(EtcdUnit unit, int count) {
        Map<String, String> keys = new LinkedHashMap<>();
        Random random = new Random(42);
        for (int i = 0; i < count; i++) {
            byte[] value = new byte[750];
            random.nextBytes(value);
            keys.put("/registry/test/key-" + i, Base64.getEncoder().encodeToString(value));
        }
        unit.putAll(keys);
    }

    /** The charm's layout moved under the unit's root, with the test machine's etcdctl and the unit's endpoint. */
    static UnitLayout layoutOf(EtcdUnit unit) {
        String root = unit.root().toAbsolutePath().toString();
        return UnitLayout.charm()
                .withEtcdctl("/usr/bin/etcdctl")
                .withCertDir(root + "/var/snap/etcd/common")
                .withDataDir(root + "/var/snap/etcd/current")
                .withSnapshotDir(root + "/home/ubuntu/etcd-snapshots")
                .withEndpoint(unit.clientUrl());
    }

    /** A builder for every unit, straight to sshd, host keys checked, sudo on (the default). */
    SshTransport.Builder direct() {
        return units(SshTransport.builder().port(sshd.port()));
    }

    /** The same through the cutting proxy. */
    SshTransport.Builder viaProxy() {
        return units(SshTransport.builder().port(proxy.port()));
    }

    /** Addresses and layouts of every unit, without user, key or known_hosts (for tests that vary those). */
    SshTransport.Builder unitsOnly(SshTransport.Builder builder) {
        for (EtcdUnit unit : cluster.units()) {
            builder.unitAddress(unit.name(), sshd.host()).unitLayout(unit.name(), layoutOf(unit));
        }
        return builder;
    }

    private SshTransport.Builder units(SshTransport.Builder builder) {
        return unitsOnly(builder.user(sshd.user()).privateKey(sshd.userPrivateKey()).knownHosts(knownHosts)
                .connectTimeout(Duration.ofSeconds(10)));
    }

    @Override
    public void close() {
        proxy.close();
        sshd.close();
        cluster.close();
        assertThat(LeftoverProcesses.etcdOrSshdUnder(dir)).as("etcd or sshd processes left behind").isEmpty();
    }
}
