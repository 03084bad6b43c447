package io.github.etcdbackup.cli;

import io.github.etcdbackup.client.EtcdBackupClient;
import io.github.etcdbackup.health.HealthReport;
import io.github.etcdbackup.health.MemberHealth;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code etcd-backup health UNIT...}: judged on every member line; exit 7 when a member is not healthy. */
@Command(name = "health", description = "Run the health check on units and judge every member; exit 7 if a member "
        + "is not healthy.")
final class HealthCommand extends ConnectedCommand implements Callable<Integer> {
    @Parameters(paramLabel = "UNIT", arity = "0..*", defaultValue = "etcd/leader",
            description = "Units to ask; default: ${DEFAULT-VALUE}.")
    List<String> units;

    @Override
    public Integer call() {
        List<HealthReport> reports;
        try (EtcdBackupClient client = connection.client(event -> { })) {
            reports = client.health(units);
        }
        PrintWriter out = out();
        if (output.json()) {
            Output.printJson(out, reports.stream().map(Output::health).toList());
        } else {
            for (HealthReport report : reports) {
                out.println(report.unit() + ": " + (report.allMembersHealthy() ? "healthy" : "NOT HEALTHY"));
                for (MemberHealth member : report.members()) {
                    out.println("  " + member.state() + "  " + member.url() + (member.detail().isEmpty() ? ""
                            : "  " + member.detail()));
                }
            }
        }
        return reports.stream().allMatch(HealthReport::allMembersHealthy) ? ExitCode.OK : ExitCode.UNHEALTHY;
    }
}
