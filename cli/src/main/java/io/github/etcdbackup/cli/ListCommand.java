package io.github.etcdbackup.cli;

import io.github.etcdbackup.StoredSnapshot;
import io.github.etcdbackup.store.SnapshotStore;
import picocli.CommandLine.Command;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code etcd-backup list}: the verified archives of the store, oldest first. */
@Command(name = "list", description = "List the archives of the backup directory, oldest first.")
final class ListCommand extends StoreCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        List<? extends StoredSnapshot> snapshots = store.with(SnapshotStore::list);
        if (output.json()) {
            Output.printJson(out(), snapshots.stream().map(Output::snapshot).toList());
        } else {
            snapshots.forEach(s -> out().println(Output.snapshotLine(s)));
        }
        return ExitCode.OK;
    }
}
