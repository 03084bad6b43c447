package io.github.etcdbackup.health;

import java.util.Objects;

/**
 * One member line of an etcdctl health report.
 *
 * @param id     the member id in hex (v2 {@code cluster-health}); for v3 {@code endpoint health}, which prints no id,
 *               the endpoint URL
 * @param url    the client URL the result came from; empty when etcdctl printed none
 *               ({@code no available published client urls})
 * @param state  healthy, unhealthy or unreachable
 * @param detail the rest of the line after the first {@code ": "}, or the preceding
 *               {@code failed to check the health of member} error for an unreachable member; may be empty
 */
public record MemberHealth(String id, String url, MemberState state, String detail) {
    /** Validates every field. */
    public MemberHealth {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(detail, "detail");
    }

    /** True only for {@link MemberState#HEALTHY}. */
    public boolean healthy() {
        return state == MemberState.HEALTHY;
    }
}
