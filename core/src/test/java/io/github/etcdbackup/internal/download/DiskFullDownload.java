package io.github.etcdbackup.internal.download;

import io.github.etcdbackup.Snapshot;
import io.github.etcdbackup.client.EtcdBackupClient;
import io.github.etcdbackup.exception.EtcdBackupException;
import io.github.etcdbackup.testing.LocalFileTransport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Child JVM entry for the disk-full test: downloads {@code args[0]} (SHA-256 {@code args[1]}) into {@code args[2]},
 * a tiny tmpfs, and prints how it ended and what the directory holds afterwards (only this mount namespace sees it).
 */
final class DiskFullDownload {
    private DiskFullDownload() {
    }

    public static void main(String[] args) throws IOException {
        Path source = Path.of(args[0]);
        Path dir = Path.of(args[2]);
        Snapshot snapshot = Snapshot.of("etcd/0", "/home/ubuntu/etcd-snapshots/" + source.getFileName(), args[1]);
        try (EtcdBackupClient client = EtcdBackupClient.create(new LocalFileTransport(source, 0))) {
            client.download(snapshot, dir);
            System.out.println("result=downloaded");
        } catch (EtcdBackupException e) {
            System.out.println("result=" + e.getClass().getSimpleName() + ": " + e.getMessage()
                    + (e.getCause() == null ? "" : " / " + e.getCause()));
        }
        try (Stream<Path> files = Files.list(dir)) {
            System.out.println("files=" + files.map(p -> p.getFileName().toString()).sorted().toList());
        }
        System.out.println("free=" + Files.getFileStore(dir).getUsableSpace());
    }
}
