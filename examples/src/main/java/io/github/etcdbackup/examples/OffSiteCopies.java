package io.github.etcdbackup.examples;

import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.client.EtcdBackupClient;
import io.github.etcdbackup.store.LocalSnapshotStore;
import io.github.etcdbackup.store.PrunePlan;
import io.github.etcdbackup.store.RetentionPolicy;
import io.github.etcdbackup.store.SnapshotStore;
import io.github.etcdbackup.StoredSnapshot;
import io.github.etcdbackup.store.s3.S3SnapshotStore;
import io.github.etcdbackup.transport.jujucli.JujuCliTransport;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;

/**
 * Off-site copies: a nightly backup kept in a local directory and in an S3-compatible bucket, one copied there
 * verified on arrival and one streamed straight from the unit, the same retention on both stores, and an archive
 * brought back from the bucket into a directory, ready to restore.
 *
 * <p>Usage: {@code OffSiteCopies path-to-juju backup-dir endpoint bucket access-key secret-key}.
 */
public final class OffSiteCopies {
    private OffSiteCopies() {
    }

    /** Runs the example. */
    public static void main(String[] args) {
        nightly(Path.of(args[0]), Path.of(args[1]), URI.create(args[2]), args[3], args[4], args[5]);
    }

    /** One night's work; the archive brought back from the bucket. */
    public static LocalSnapshot nightly(Path juju, Path dir, URI endpoint, String bucket, String accessKey,
                                        String secretKey) {
        // tag::offsite[]
        RetentionPolicy nightly = RetentionPolicy.builder().keepLast(7).keepDaily(14).keepWeekly(8).keepMonthly(12)
                .build();
        try (EtcdBackupClient client = EtcdBackupClient.builder()
                .transport(JujuCliTransport.builder().executable(juju).build()).build();
             S3SnapshotStore offSite = S3SnapshotStore.builder()
                     .endpoint(endpoint)                    // leave out for AWS S3 itself
                     .region("us-east-1").bucket(bucket).prefix("etcd/prod")
                     .credentials(accessKey, secretKey)     // leave out to use the AWS SDK's default chain
                     .build()) {
            LocalSnapshotStore local = SnapshotStore.create(dir);
            LocalSnapshot onDisk = client.backup("etcd/leader", dir);          // a verified copy here...
            StoredSnapshot copied = local.copyTo(offSite, onDisk);             // ...and off site, checked on arrival
            StoredSnapshot direct = client.backup("etcd/leader", offSite);     // or straight from the unit, no disk
            System.out.println(copied.location() + "\n" + direct.location());
            for (SnapshotStore store : List.of(local, offSite)) {
                PrunePlan pruned = store.prune(nightly);                         // never the newest that verifies
                System.out.println(store.location() + ": kept " + pruned.keep().size() + ", deleted "
                        + pruned.delete().size());
            }
            LocalSnapshot back = offSite.copyTo(local, direct);                // to restore: into a directory first
            System.out.println(back.file());
            return back;
        }
        // end::offsite[]
    }
}
