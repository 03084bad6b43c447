package io.github.etcdbackup.health;


import java.util.List;
import java.util.Objects;

/**
 * etcd's health as seen from one unit, judged member by member. etcdctl v2 prints {@code cluster is healthy} as soon
 * as one member answers, so the cluster line alone proves nothing; {@link #allMembersHealthy()} looks at every line.
 *
 * @param unit        the unit the check ran on
 * @param members     one entry per member line, in the order etcdctl printed them
 * @param clusterLine {@code cluster is healthy} / {@code cluster is unhealthy} (v2), {@code Error: unhealthy cluster}
 *                    (v3, printed only on failure), the charm's error text when etcdctl itself failed; empty if none
 * @param format      which etcdctl report the text was
 * @param rawOutput   the text as received
 */
public record HealthReport(String unit, List<MemberHealth> members, String clusterLine, Format format,
                           String rawOutput) {
    /** The v2 report's verdict when at least one member answered. */
    public static final String CLUSTER_HEALTHY = "cluster is healthy";

    /** Which etcdctl report a {@link HealthReport} was parsed from. */
    public enum Format {
        /** {@code ETCDCTL_API=2 etcdctl cluster-health} (the charm's {@code health} action). */
        CLUSTER_HEALTH_V2,
        /** {@code ETCDCTL_API=3 etcdctl endpoint health}: no member ids, no cluster line when all is well. */
        ENDPOINT_HEALTH_V3,
        /** The charm caught an etcdctl failure and returned its own text instead of a report. */
        CHARM_ERROR
    }

    /** Validates and copies every field. */
    public HealthReport {
        Objects.requireNonNull(unit, "unit");
        members = List.copyOf(members);
        Objects.requireNonNull(clusterLine, "clusterLine");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(rawOutput, "rawOutput");
    }

    /**
     * Parses etcdctl's v2 {@code cluster-health} or v3 {@code endpoint health} text.
     *
     * @throws io.github.etcdbackup.exception.OutputParseException if the text holds no member line and no verdict
     */
    public static HealthReport parse(String unit, String output) {
        return HealthParser.parse(unit, output);
    }

    /**
     * True only if there is at least one member, every member line says healthy, and the verdict agrees: the v2
     * report ends in {@code cluster is healthy}; the v3 report printed no error line.
     */
    public boolean allMembersHealthy() {
        boolean verdictHealthy = switch (format) {
            case CLUSTER_HEALTH_V2 -> clusterLine.equals(CLUSTER_HEALTHY);
            case ENDPOINT_HEALTH_V3 -> clusterLine.isEmpty();
            case CHARM_ERROR -> false;
        };
        return verdictHealthy && !members.isEmpty() && members.stream().allMatch(MemberHealth::healthy);
    }

    /** The members that are not healthy, in text order. */
    public List<MemberHealth> unhealthyMembers() {
        return members.stream().filter(m -> !m.healthy()).toList();
    }
}
