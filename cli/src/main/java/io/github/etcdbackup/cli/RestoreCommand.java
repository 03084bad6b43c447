package io.github.etcdbackup.cli;

import io.github.etcdbackup.client.EtcdBackupClient;
import io.github.etcdbackup.restore.JujuRestoreOptions;
import io.github.etcdbackup.restore.RestoreOptions;
import io.github.etcdbackup.restore.RestorePlan;
import io.github.etcdbackup.restore.RestoreReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code etcd-backup restore plan|run|resume}: the Juju restore of an archive into a new etcd application, planned
 * (changes nothing), run with a journal, or resumed from that journal.
 */
@Command(name = "restore", description = "Restore an archive into a new etcd application through Juju.",
        subcommands = {RestoreCommand.Plan.class, RestoreCommand.Run.class, RestoreCommand.Resume.class})
final class RestoreCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    /** Without plan, run or resume: a usage error. */
    @Override
    public Integer call() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "say plan, run or resume");
    }

    /** What plan and run share: the archive, the target, the connection. */
    abstract static class Planned extends ConnectedCommand {
        @Mixin
        StoreOption store;

        @Mixin
        IdentityOption identity;

        @Option(names = "--archive", paramLabel = "FILE_NAME", description = "The archive (a name from list); "
                + "default: the newest.")
        String archive;

        @Option(names = "--target", paramLabel = "APPLICATION", defaultValue = "new-etcd",
                description = "The application to restore into; default: ${DEFAULT-VALUE}.")
        String target;

        @Option(names = "--units", paramLabel = "N", description = "Units the restored application ends with; "
                + "default: as many as the source.")
        Integer units;

        RestorePlan plan(EtcdBackupClient client) {
            JujuRestoreOptions.Builder options = RestoreOptions.juju().targetApplication(target);
            if (units != null) {
                options.units(units);
            }
            identity.identities().ifPresent(options::identities);
            return client.planRestore(store.localArchive(archive), options.build());
        }
    }

    /** {@code restore plan}: every step with its exact command; changes nothing. */
    @Command(name = "plan", description = "Print the restore plan, every step with its exact command. Changes "
            + "nothing.")
    static final class Plan extends Planned implements Callable<Integer> {
        @Override
        public Integer call() {
            try (EtcdBackupClient client = connection.client(event -> { })) {
                RestorePlan plan = plan(client);
                if (output.json()) {
                    Output.printJson(out(), Output.plan(plan));
                } else {
                    out().print(plan.describe());
                    out().flush();
                }
            }
            return ExitCode.OK;
        }
    }

    /** {@code restore run}: the plan, run step by step and journaled. */
    @Command(name = "run", description = "Plan and run the restore, journaled so that 'restore resume' continues "
            + "it after a crash. Exit 8 if a step fails.")
    static final class Run extends Planned implements Callable<Integer> {
        @Option(names = "--journal", paramLabel = "FILE", required = true, description = "The journal to write "
                + "(must not exist).")
        Path journal;

        @Override
        public Integer call() {
            try (EtcdBackupClient client = connection.client(TerminalProgress.forRun(err(),
                    output.json()))) {
                return print(out(), output, client.restore(plan(client), journal));
            }
        }
    }

    /** {@code restore resume}: continues a journaled restore from the step that did not end well. */
    @Command(name = "resume", description = "Continue a journaled restore from the step that did not end well. "
            + "Exit 8 if a step fails again.")
    static final class Resume extends ConnectedCommand implements Callable<Integer> {
        @Option(names = "--journal", paramLabel = "FILE", required = true, description = "The journal of the "
                + "restore.")
        Path journal;

        @Option(names = "--identity", paramLabel = "FILE", description = "The age identity file, for an encrypted "
                + "archive whose identities were not read from a file.")
        Path identity;

        @Override
        public Integer call() {
            try (EtcdBackupClient client = connection.client(event -> { })) {
                RestoreReport report = identity == null ? client.resume(journal)
                        : client.resume(journal, io.github.etcdbackup.encryption.AgeIdentities.fromFile(identity));
                return print(out(), output, report);
            }
        }
    }

    static int print(PrintWriter out, Output output, RestoreReport report) {
        if (output.json()) {
            Output.printJson(out, Output.report(report));
        } else {
            out.print(report.describe());
            out.flush();
        }
        return report.completed() ? ExitCode.OK : ExitCode.RESTORE;
    }
}
