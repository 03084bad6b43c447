package io.github.etcdbackup.testkit;

/**
 * The per-member values of the charm's {@code etcd.conf.yml} that change over a member's life: who else is in
 * the cluster at bootstrap, and whether it bootstraps a new cluster or joins an existing one.
 *
 * @param initialCluster comma-separated {@code name=peerUrl} pairs
 * @param clusterToken   {@code initial-cluster-token}
 * @param state          {@code new} or {@code existing}
 */
record MemberConfig(String initialCluster, String clusterToken, String state) {

    /** Its advertised URL and, when that is not on 127.0.0.1, 127.0.0.1 too (the charm binds to all interfaces). */
    private static String listenClientUrls(EtcdUnit unit) {
        return unit.clientUrl().equals(unit.loopbackClientUrl()) ? unit.clientUrl()
                : unit.clientUrl() + "," + unit.loopbackClientUrl();
    }

    /** Renders the configuration file like the charm's {@code templates/etcd3.conf}, with this unit's paths. */
    String render(EtcdUnit unit) {
        String certs = unit.certDir().toString();
        return "# Rendered by the etcd-backup testkit after the etcd charm's templates/etcd3.conf\n"
                + "name: " + unit.memberName() + "\n"
                + "data-dir: " + unit.dataDir() + "\n"
                + "snapshot-count: 10000\n"
                + "heartbeat-interval: 100\n"
                + "election-timeout: 1000\n"
                + "listen-peer-urls: " + unit.peerUrl() + "\n"
                + "listen-client-urls: " + listenClientUrls(unit) + "\n"
                + "initial-advertise-peer-urls: " + unit.peerUrl() + "\n"
                + "advertise-client-urls: " + unit.clientUrl() + "\n"
                + "initial-cluster: " + initialCluster + "\n"
                + "initial-cluster-token: " + clusterToken + "\n"
                + "initial-cluster-state: " + state + "\n"
                + "enable-v2: true\n"
                + "logger: zap\n"
                + "log-outputs: [stderr]\n"
                + "client-transport-security:\n"
                + "  cert-file: " + certs + "/server.crt\n"
                + "  key-file: " + certs + "/server.key\n"
                + "  client-cert-auth: true\n"
                + "  trusted-ca-file: " + certs + "/ca.crt\n"
                + "peer-transport-security:\n"
                + "  cert-file: " + certs + "/server.crt\n"
                + "  key-file: " + certs + "/server.key\n"
                + "  client-cert-auth: true\n"
                + "  trusted-ca-file: " + certs + "/ca.crt\n";
    }
}
