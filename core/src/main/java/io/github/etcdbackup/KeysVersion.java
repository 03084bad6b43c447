package io.github.etcdbackup;

/**
 * Which etcd key space a snapshot holds. Kubernetes keeps its data in v3; flannel and old calico keep theirs in
 * v2, so clusters with those CNIs need both.
 */
public enum KeysVersion {
    /** The etcd v3 key space (a copy of the bbolt {@code db}). */
    V3("v3"),
    /** The etcd v2 key space ({@code ETCDCTL_API=2 etcdctl backup}: a {@code member/} tree). */
    V2("v2");

    private final String parameter;

    KeysVersion(String parameter) {
        this.parameter = parameter;
    }

    /** The value of the charm's {@code keys-version} parameter: {@code v3} or {@code v2}. */
    public String parameter() {
        return parameter;
    }
}
