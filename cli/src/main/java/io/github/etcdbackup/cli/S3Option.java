package io.github.etcdbackup.cli;

import io.github.etcdbackup.exception.InvalidInputException;
import io.github.etcdbackup.store.s3.S3SnapshotStore;
import picocli.CommandLine.Option;

import java.net.URI;
import java.util.Optional;

/**
 * A bucket of an S3-compatible store instead of the backup directory. Credentials come from the AWS SDK's default
 * chain (the {@code AWS_ACCESS_KEY_ID} and {@code AWS_SECRET_ACCESS_KEY} variables, {@code ~/.aws}, instance or pod
 * roles), never from the command line, where other users of the machine could read them.
 */
final class S3Option {
    @Option(names = "--s3-bucket", paramLabel = "BUCKET", description = "Use this bucket of an S3-compatible store "
            + "instead of the directory; credentials come from the AWS SDK's default chain (AWS_ACCESS_KEY_ID and "
            + "AWS_SECRET_ACCESS_KEY, ~/.aws, roles).")
    String bucket;

    @Option(names = "--s3-endpoint", paramLabel = "URL", description = "The server, for anything but AWS S3 "
            + "(Ceph RGW, MinIO: http(s)://host:port); path-style addressing.")
    URI endpoint;

    @Option(names = "--s3-region", paramLabel = "REGION", defaultValue = "us-east-1",
            description = "default: ${DEFAULT-VALUE}")
    String region;

    @Option(names = "--s3-prefix", paramLabel = "PREFIX", defaultValue = "",
            description = "The \"directory\" in the bucket, e.g. etcd/prod.")
    String prefix;

    /** The bucket's store, when {@code --s3-bucket} was given; close it after use. */
    Optional<S3SnapshotStore> open() {
        if (bucket == null) {
            if (endpoint != null || !prefix.isEmpty()) {
                throw new InvalidInputException("--s3-bucket", null, "--s3-endpoint and --s3-prefix need a bucket");
            }
            return Optional.empty();
        }
        S3SnapshotStore.Builder builder = S3SnapshotStore.builder().bucket(bucket).region(region).prefix(prefix);
        if (endpoint != null) {
            builder.endpoint(endpoint);
        }
        return Optional.of(builder.build());
    }
}
