package io.github.etcdbackup.cli;

import io.github.etcdbackup.KeysVersion;
import io.github.etcdbackup.StoredSnapshot;
import io.github.etcdbackup.SnapshotRequest;
import io.github.etcdbackup.UnitCopy;
import io.github.etcdbackup.client.EtcdBackupClient;
import io.github.etcdbackup.encryption.AgeRecipient;
import io.github.etcdbackup.store.s3.S3SnapshotStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code etcd-backup backup UNIT}: the charm's snapshot, streamed, verified and written atomically. */
@Command(name = "backup", description = "Snapshot a unit (the charm's snapshot action) and download the verified "
        + "archive into the backup directory.")
final class BackupCommand extends ConnectedCommand implements Callable<Integer> {
    @Option(names = "--dir", paramLabel = "DIR", defaultValue = "backups",
            description = "Where the archive goes (created if needed); default: ${DEFAULT-VALUE}.")
    Path dir;

    @Mixin
    S3Option s3;

    @Parameters(paramLabel = "UNIT", arity = "0..1", defaultValue = "etcd/leader",
            description = "The unit, e.g. etcd/0, or etcd/leader; default: ${DEFAULT-VALUE}.")
    String unit;

    @Option(names = "--keys", paramLabel = "v3|v2", defaultValue = "V3",
            description = "The key space: v3 (Kubernetes), or v2 (old flannel and calico data); default: v3.")
    KeysVersion keys;

    @Option(names = "--keep-on-unit", description = "Leave the charm's archive on the unit (by default it is "
            + "removed once the download is verified and synced).")
    boolean keepOnUnit;

    @Option(names = "--encrypt-to", paramLabel = "AGE_RECIPIENT", description = "Encrypt to this age public key "
            + "(age1...) while streaming; repeat for several.")
    List<String> recipients = new ArrayList<>();

    @Override
    public Integer call() {
        SnapshotRequest request = SnapshotRequest.builder().unit(unit).keysVersion(keys)
                .unitCopy(keepOnUnit ? UnitCopy.KEEP : UnitCopy.REMOVE)
                .encryptTo(recipients.stream().map(AgeRecipient::of).toList())
                .build();
        try (EtcdBackupClient client = connection.client(TerminalProgress.forRun(err(),
                output.json()))) {
            Optional<S3SnapshotStore> bucket = s3.open();
            StoredSnapshot backup;
            if (bucket.isPresent()) {
                try (S3SnapshotStore store = bucket.get()) {
                    backup = client.backup(request, store);   // straight from the unit, no local disk
                }
            } else {
                backup = client.backup(request, dir);
            }
            if (output.json()) {
                Output.printJson(out(), Output.snapshot(backup));
            } else {
                out().println(backup.location() + "  sha256 " + backup.sha256() + "  "
                        + backup.sizeBytes() + " bytes");
            }
        }
        return ExitCode.OK;
    }
}
