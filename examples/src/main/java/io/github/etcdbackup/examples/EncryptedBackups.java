package io.github.etcdbackup.examples;

import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.SnapshotRequest;
import io.github.etcdbackup.client.EtcdBackupClient;
import io.github.etcdbackup.encryption.AgeIdentities;
import io.github.etcdbackup.encryption.AgeRecipient;
import io.github.etcdbackup.restore.RestoreOptions;
import io.github.etcdbackup.restore.RestorePlan;
import io.github.etcdbackup.store.DrillOptions;
import io.github.etcdbackup.store.DrillReport;
import io.github.etcdbackup.store.LocalSnapshotStore;
import io.github.etcdbackup.store.SnapshotStore;
import io.github.etcdbackup.store.StoreCheck;
import io.github.etcdbackup.transport.jujucli.JujuCliTransport;

import java.nio.file.Path;
import java.util.List;

/**
 * Encrypted backups: one backup of the leader encrypted to an age recipient while it streams, then the store's
 * checks, a drill and a restore plan of the newest encrypted archive with the identity that opens it.
 *
 * <p>Usage: {@code EncryptedBackups path-to-juju backup-dir age1... key.txt}.
 */
public final class EncryptedBackups {
    private EncryptedBackups() {
    }

    /** Runs the example. */
    public static void main(String[] args) {
        Path juju = Path.of(args[0]);
        Path dir = Path.of(args[1]);
        backup(juju, dir, args[2]);
        System.exit(check(juju, dir, Path.of(args[3])) != null ? 0 : 1);
    }

    /** One backup of {@code etcd/leader}, encrypted to {@code recipient} ({@code age1...}). */
    public static LocalSnapshot backup(Path juju, Path dir, String recipient) {
        // tag::encrypted-backup[]
        try (EtcdBackupClient client = EtcdBackupClient.builder()
                .transport(JujuCliTransport.builder().executable(juju).build()).build()) {
            LocalSnapshot encrypted = client.backup(SnapshotRequest.builder().unit("etcd/leader")
                    .encryptTo(AgeRecipient.of(recipient))   // age1..., as age-keygen -y prints; several may go
                    .build(), dir);
            System.out.println(encrypted.file());              // <model>_etcd-0_etcd-snapshot-..._<sha>.tar.gz.age
            return encrypted;
        }
        // end::encrypted-backup[]
    }

    /** Checks, drills and plans a restore of the newest encrypted archive; the plan, or null when a check failed. */
    public static RestorePlan check(Path juju, Path dir, Path identityFile) {
        // tag::encrypted-store[]
        AgeIdentities identities = AgeIdentities.fromFile(identityFile);   // the file age-keygen wrote
        LocalSnapshotStore store = SnapshotStore.open(dir);
        List<LocalSnapshot> snapshots = store.list();
        LocalSnapshot newest = snapshots.get(snapshots.size() - 1);
        StoreCheck atRest = store.verify(newest);               // no identity: Depth.CIPHERTEXT_ONLY
        StoreCheck opened = store.verify(newest, identities);   // decrypted as it is read: Depth.CONTENTS
        DrillReport drill = store.drill(newest, DrillOptions.defaults().withIdentities(identities));
        System.out.println(atRest.depth() + " " + atRest.ok() + ", " + opened.depth() + " " + opened.ok()
                + ", drill: " + (drill.passed() ? drill.keyCount() + " keys" : drill.problems()));
        try (EtcdBackupClient client = EtcdBackupClient.builder()
                .transport(JujuCliTransport.builder().executable(juju).build()).build()) {
            RestorePlan plan = client.planRestore(newest, RestoreOptions.juju().targetApplication("etcd-restored")
                    .identities(identities).build());          // decrypts for the upload step only
            System.out.println(plan.describe());
            return atRest.ok() && opened.ok() && drill.passed() ? plan : null;
        }
        // end::encrypted-store[]
    }
}
