package io.github.etcdbackup.health;

/** What etcdctl said about one member. */
public enum MemberState {
    /** {@code member X is healthy} (v2) or {@code URL is healthy} (v3). */
    HEALTHY,
    /** {@code member X is unhealthy} (v2) or {@code URL is unhealthy} (v3). */
    UNHEALTHY,
    /** {@code member X is unreachable} (v2): no client URL answered. */
    UNREACHABLE
}
