package io.github.etcdbackup.examples;

import io.github.etcdbackup.client.EtcdBackupClient;
import io.github.etcdbackup.health.HealthReport;
import io.github.etcdbackup.health.MemberHealth;
import io.github.etcdbackup.transport.jujucli.JujuCliTransport;

import java.nio.file.Path;

/**
 * Checks etcd's health member by member. etcdctl prints "cluster is healthy" as soon as one member answers, so the
 * verdict here comes from every member line.
 *
 * <p>Usage: {@code HealthCheck [path-to-juju] [unit]}; exits 1 when a member is not healthy.
 */
public final class HealthCheck {
    private HealthCheck() {
    }

    /** Runs the example. */
    public static void main(String[] args) {
        Path juju = Path.of(args.length > 0 ? args[0] : "juju");
        String unit = args.length > 1 ? args[1] : "etcd/leader";
        HealthReport report = check(juju, unit);
        System.exit(report.allMembersHealthy() ? 0 : 1);
    }

    /** The example's work: the health report, printed member by member. */
    public static HealthReport check(Path juju, String unit) {
        try (EtcdBackupClient client = EtcdBackupClient.create(JujuCliTransport.builder().executable(juju).build())) {
            HealthReport report = client.health(unit);
            for (MemberHealth member : report.members()) {
                System.out.printf("%-18s %-11s %s%n", member.id(), member.state(), member.url());
            }
            System.out.println(report.allMembersHealthy() ? "every member is healthy"
                    : "NOT healthy: " + report.unhealthyMembers());
            return report;
        }
    }
}
