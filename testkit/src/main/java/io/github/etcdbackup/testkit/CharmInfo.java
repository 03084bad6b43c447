package io.github.etcdbackup.testkit;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What the simulator knows about the charms that matter to etcd backup and restore in a Charmed Kubernetes model:
 * endpoints (for {@code integrate} and {@code status}), the workload message and version a healthy unit shows,
 * declared resources and config defaults. Only {@code etcd} runs real processes.
 *
 * @param name            charm name
 * @param revision        the Charmhub revision the simulator pretends to deploy
 * @param endpoints       endpoint name → interface, for non-peer relations
 * @param provides        the endpoints in {@code endpoints} that provide (the others require)
 * @param peerEndpoint    the peer relation endpoint, or {@code null}
 * @param workloadMessage the message of a healthy unit (etcd computes its own)
 * @param workloadVersion the application's workload version
 * @param resources       resource name → expected file name
 * @param configDefaults  config key → default value
 * @param openPorts       the ports a unit opens (etcd's is its real client port)
 */
record CharmInfo(String name, int revision, Map<String, String> endpoints, Set<String> provides,
                 String peerEndpoint,
                 String workloadMessage, String workloadVersion, Map<String, String> resources,
                 Map<String, Object> configDefaults, List<String> openPorts) {

    static final String ETCD = "etcd";

    private static final Map<String, CharmInfo> KNOWN = Map.of(
            "etcd", new CharmInfo("etcd", 760,
                    // Interfaces as in charmed-kubernetes/layer-etcd src/metadata.yaml.
                    Map.of("certificates", "tls-certificates", "db", "etcd", "proxy", "etcd-proxy",
                            "prometheus", "prometheus-manual", "grafana", "grafana-dashboard",
                            "nrpe-external-master", "nrpe-external-master"),
                    Set.of("db", "proxy", "prometheus", "grafana"), "cluster", null, null,
                    Map.of("snapshot", "snapshot.tar.gz", "core", "core.snap", "etcd", "etcd.snap"),
                    Map.of("channel", "auto", "port", 2379, "management_port", 2380,
                            "bind_to_all_interfaces", true, "bind_with_insecure_http", false),
                    List.of()),
            "easyrsa", new CharmInfo("easyrsa", 48, Map.of("client", "tls-certificates"), Set.of("client"), null,
                    "Certificate Authority connected.", "3.0.1", Map.of(), Map.of(), List.of()),
            "kubernetes-control-plane", controlPlane("kubernetes-control-plane"),
            "kubernetes-master", controlPlane("kubernetes-master"),
            "kubernetes-worker", new CharmInfo("kubernetes-worker", 1,
                    Map.of("certificates", "tls-certificates", "cni", "kubernetes-cni",
                            "kube-control", "kube-control"), Set.of("cni"), null,
                    "Kubernetes worker running.", "1.29.2", Map.of(), Map.of(), List.of("80/tcp", "443/tcp")),
            "calico", new CharmInfo("calico", 101, Map.of("etcd", "etcd", "cni", "kubernetes-cni"), Set.of(), null,
                    "Calico is active", "3.25.1", Map.of(), Map.of(), List.of()),
            "flannel", new CharmInfo("flannel", 82, Map.of("etcd", "etcd", "cni", "kubernetes-cni"), Set.of(), null,
                    "Flannel subnet 10.1.41.1/24", "0.22.1", Map.of(), Map.of(), List.of()));

    private static CharmInfo controlPlane(String name) {
        return new CharmInfo(name, 321,
                Map.of("etcd", "etcd", "certificates", "tls-certificates", "cni", "kubernetes-cni",
                        "kube-control", "kube-control"), Set.of("cni", "kube-control"), null,
                "Kubernetes control-plane running.", "1.29.2", Map.of(), Map.of(), List.of("6443/tcp"));
    }

    static Optional<CharmInfo> lookup(String charm) {
        return Optional.ofNullable(KNOWN.get(charm));
    }

    boolean isEtcd() {
        return ETCD.equals(name);
    }
}
