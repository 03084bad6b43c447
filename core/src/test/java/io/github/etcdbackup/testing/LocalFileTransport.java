package io.github.etcdbackup.testing;

import io.github.etcdbackup.Snapshot;
import io.github.etcdbackup.SnapshotRequest;
import io.github.etcdbackup.client.EtcdBackupClient;

import io.github.etcdbackup.spi.Deadline;
import io.github.etcdbackup.spi.EtcdTransport;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Serves one local file as the remote archive, optionally slowly, for crash tests in a child JVM. */
public final class LocalFileTransport implements EtcdTransport {
    private final Path source;
    private final long pauseMillisPer64KiB;

    public LocalFileTransport(Path source, long pauseMillisPer64KiB) {
        this.source = source;
        this.pauseMillisPer64KiB = pauseMillisPer64KiB;
    }

    @Override
    public String name() {
        return "local-file";
    }

    @Override
    public Snapshot takeSnapshot(SnapshotRequest request, Deadline deadline) {
        throw new UnsupportedOperationException("serves downloads only");
    }

    @Override
    public InputStream openFile(String unit, String remotePath, long offset, Deadline deadline) {
        try {
            InputStream in = Files.newInputStream(source);
            in.skipNBytes(offset);
            return new FilterInputStream(in) {
                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    if (pauseMillisPer64KiB > 0) {
                        try {
                            Thread.sleep(pauseMillisPer64KiB);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new java.io.InterruptedIOException();
                        }
                    }
                    return super.read(b, off, Math.min(len, 64 * 1024));
                }
            };
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String healthOutput(String unit, Deadline deadline) {
        throw new UnsupportedOperationException("serves downloads only");
    }

    @Override
    public void close() {
    }

    /** Child JVM entry: downloads {@code args[0]} (sha256 {@code args[1]}) into {@code args[2]}, slowly. */
    public static void main(String[] args) {
        Path source = Path.of(args[0]);
        Snapshot snapshot = Snapshot.of("etcd/0", "/home/ubuntu/etcd-snapshots/" + source.getFileName(), args[1]);
        try (EtcdBackupClient client = EtcdBackupClient.create(new LocalFileTransport(source, 6))) {
            client.download(snapshot, Path.of(args[2]));
        }
    }
}
