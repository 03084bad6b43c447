package io.github.etcdbackup.cli;

import io.github.etcdbackup.client.EtcdBackupClient;
import io.github.etcdbackup.status.ApplicationStatus;
import io.github.etcdbackup.status.ModelStatus;
import io.github.etcdbackup.status.UnitStatus;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** {@code etcd-backup status}: the model's applications and units, as the library reads them (Juju only). */
@Command(name = "status", description = "Show the model's applications and units (through Juju only).")
final class StatusCommand extends ConnectedCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        ModelStatus status;
        try (EtcdBackupClient client = connection.client(event -> { })) {
            status = client.status();
        }
        PrintWriter out = out();
        if (output.json()) {
            Output.printJson(out, Output.status(status));
            return ExitCode.OK;
        }
        out.println("model " + status.name() + " (Juju " + status.jujuVersion() + ")");
        for (ApplicationStatus app : status.applications()) {
            out.println(app.name() + "  " + app.charmName() + " " + app.charmChannel() + "  " + app.status()
                    + (app.message().isEmpty() ? "" : "  " + app.message()));
            for (UnitStatus unit : app.units()) {
                out.println("  " + unit.name() + (unit.leader() ? "*" : "") + "  " + unit.workload() + "  "
                        + unit.workloadMessage());
            }
        }
        return ExitCode.OK;
    }
}
