package io.github.etcdbackup.store.s3;

import io.github.etcdbackup.Snapshot;
import io.github.etcdbackup.spi.Deadline;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The child process of {@link ResumeAfterCrashTest}: uploads a unit's archive into a bucket from a stream that stops
 * after some bytes, until the test kills it, as a crash or a reboot would, with parts of the upload on the server.
 *
 * <p>Arguments: endpoint, bucket, archive file, its SHA-256, the path the unit reported, bytes before the stall,
 * seconds of the deadline.
 */
public final class UploadUntilKilled {
    private UploadUntilKilled() {
    }

    public static void main(String[] args) throws IOException {
        Path archive = Path.of(args[2]);
        long stallAfter = Long.parseLong(args[5]);
        Snapshot snapshot = Snapshot.of("etcd/0", args[4], args[3]);
        try (S3SnapshotStore store = S3SnapshotStore.builder().endpoint(URI.create(args[0])).bucket(args[1])
                .credentials(S3Server.ACCESS_KEY, S3Server.SECRET_KEY).partSize(5 * 1024 * 1024).build()) {
            System.out.println("uploading");
            store.receive(snapshot, "k8s", (offset, d) -> stallingAfter(archive, stallAfter), List.of(),
                    Deadline.after(Duration.ofSeconds(Long.parseLong(args[6]))));
        }
    }

    private static InputStream stallingAfter(Path archive, long bytes) {
        try {
            return new FilterInputStream(Files.newInputStream(archive)) {
                private long read;

                @Override
                public int read(byte[] buffer, int off, int len) throws IOException {
                    if (read >= bytes) {
                        try {
                            Thread.sleep(Long.MAX_VALUE);   // until killed
                        } catch (InterruptedException e) {
                            throw new IOException("interrupted", e);
                        }
                    }
                    int n = super.read(buffer, off, (int) Math.min(len, bytes - read));
                    read += Math.max(0, n);
                    return n;
                }
            };
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
