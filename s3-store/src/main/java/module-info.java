/**
 * Off-site copies: a {@link io.github.etcdbackup.store.SnapshotStore} in an S3-compatible bucket. The AWS SDK is used
 * inside only; {@code io.github.etcdbackup.store.s3.internal} holds that code and is not exported.
 */
module io.github.etcdbackup.store.s3 {
    requires transitive io.github.etcdbackup;
    requires org.slf4j;
    requires software.amazon.awssdk.services.s3;
    requires software.amazon.awssdk.core;
    requires software.amazon.awssdk.auth;
    requires software.amazon.awssdk.awscore;
    requires software.amazon.awssdk.regions;
    requires software.amazon.awssdk.http;
    requires software.amazon.awssdk.http.apache5;
    requires software.amazon.awssdk.identity.spi;
    requires software.amazon.awssdk.retries;
    requires software.amazon.awssdk.retries.api;

    exports io.github.etcdbackup.store.s3;
}
