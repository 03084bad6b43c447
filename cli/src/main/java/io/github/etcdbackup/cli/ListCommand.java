package io.github.etcdbackup.cli;

import io.github.etcdbackup.LocalSnapshot;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code etcd-backup list}: the verified archives of the store, oldest first. */
@Command(name = "list", description = "List the archives of the backup directory, oldest first.")
final class ListCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    StoreOption store;

    @Mixin
    Output output;

    @Override
    public Integer call() {
        List<LocalSnapshot> snapshots = store.open().list();
        if (output.json()) {
            Output.printJson(spec.commandLine().getOut(), snapshots.stream().map(Output::snapshot).toList());
        } else {
            snapshots.forEach(s -> spec.commandLine().getOut().println(Output.snapshotLine(s)));
        }
        return ExitCode.OK;
    }
}
