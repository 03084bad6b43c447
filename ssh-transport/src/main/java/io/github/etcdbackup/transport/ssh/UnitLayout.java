package io.github.etcdbackup.transport.ssh;

import io.github.etcdbackup.exception.InvalidInputException;
import io.github.etcdbackup.internal.common.InputValidation;
import io.github.etcdbackup.transport.ssh.internal.EtcdValues;

import java.util.regex.Pattern;

/**
 * Where etcd lives on a unit: the etcdctl binary, the TLS files, the data dir, the snapshot directory, the systemd
 * service (and the systemctl that controls it) and the client endpoint etcdctl talks to. {@link #charm()} is the etcd charm's layout; change single
 * fields with the {@code with...} methods for other installs (or for test units that live under a directory).
 *
 * <p>The TLS directory must hold the charm's file names: {@code ca.crt}, {@code client.crt} and {@code client.key}.
 * Every value is validated here, so nothing that reaches a remote shell comes from an unchecked string.
 *
 * @param etcdctl     absolute path of etcdctl on the unit; restores use the etcdutl beside it under the matching
 *                    name ({@code etcd.etcdctl} and {@code etcd.etcdutl}) when there is one
 * @param certDir     directory with {@code ca.crt}, {@code client.crt}, {@code client.key}
 * @param dataDir     the etcd data dir (holds {@code member/})
 * @param snapshotDir where archives go when the request keeps the default target
 * @param service     the systemd unit of etcd
 * @param endpoint    the client URL etcdctl uses on the unit, e.g. {@code https://127.0.0.1:2379}
 * @param systemctl   absolute path of the program that starts and stops {@code service}, called as
 *                    {@code systemctl stop|start|is-active -- SERVICE}; default {@value #SYSTEMCTL}
 */
public record UnitLayout(String etcdctl, String certDir, String dataDir, String snapshotDir, String service,
                         String endpoint, String systemctl) {
    /** The default {@code systemctl}. */
    public static final String SYSTEMCTL = "/usr/bin/systemctl";

    private static final Pattern SERVICE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9@._-]{0,200}");

    /** Validates every field. */
    public UnitLayout {
        InputValidation.remotePath(etcdctl);
        InputValidation.remotePath(certDir);
        InputValidation.remotePath(dataDir);
        InputValidation.remotePath(snapshotDir);
        if (service == null || !SERVICE.matcher(service).matches()) {
            throw new InvalidInputException("service", service,
                    "expected a systemd unit name of letters, digits, '@', '.', '_' and '-'");
        }
        EtcdValues.url("endpoint", endpoint);
        InputValidation.remotePath(systemctl);
    }

    /** A layout with the default {@value #SYSTEMCTL}. */
    public UnitLayout(String etcdctl, String certDir, String dataDir, String snapshotDir, String service,
                      String endpoint) {
        this(etcdctl, certDir, dataDir, snapshotDir, service, endpoint, SYSTEMCTL);
    }

    /**
     * The etcd charm's layout: {@code /snap/bin/etcd.etcdctl}, certs in {@code /var/snap/etcd/common}, data in
     * {@code /var/snap/etcd/current}, snapshots in {@code /home/ubuntu/etcd-snapshots}, service
     * {@code snap.etcd.etcd}, endpoint {@code https://127.0.0.1:2379} (in the certificates' SANs since 2023).
     */
    public static UnitLayout charm() {
        return new UnitLayout("/snap/bin/etcd.etcdctl", "/var/snap/etcd/common", "/var/snap/etcd/current",
                "/home/ubuntu/etcd-snapshots", "snap.etcd.etcd", "https://127.0.0.1:2379");
    }

    /** A copy with another etcdctl path. */
    public UnitLayout withEtcdctl(String etcdctl) {
        return new UnitLayout(etcdctl, certDir, dataDir, snapshotDir, service, endpoint, systemctl);
    }

    /** A copy with another TLS directory. */
    public UnitLayout withCertDir(String certDir) {
        return new UnitLayout(etcdctl, certDir, dataDir, snapshotDir, service, endpoint, systemctl);
    }

    /** A copy with another data dir. */
    public UnitLayout withDataDir(String dataDir) {
        return new UnitLayout(etcdctl, certDir, dataDir, snapshotDir, service, endpoint, systemctl);
    }

    /** A copy with another snapshot directory. */
    public UnitLayout withSnapshotDir(String snapshotDir) {
        return new UnitLayout(etcdctl, certDir, dataDir, snapshotDir, service, endpoint, systemctl);
    }

    /** A copy with another systemd service. */
    public UnitLayout withService(String service) {
        return new UnitLayout(etcdctl, certDir, dataDir, snapshotDir, service, endpoint, systemctl);
    }

    /** A copy with another client endpoint. */
    public UnitLayout withEndpoint(String endpoint) {
        return new UnitLayout(etcdctl, certDir, dataDir, snapshotDir, service, endpoint, systemctl);
    }

    /**
     * A copy with another service manager: any program that takes {@code stop}, {@code start} and
     * {@code is-active --quiet} like systemctl (exit 0 active, 3 inactive), for hosts without systemd.
     */
    public UnitLayout withSystemctl(String systemctl) {
        return new UnitLayout(etcdctl, certDir, dataDir, snapshotDir, service, endpoint, systemctl);
    }
}
