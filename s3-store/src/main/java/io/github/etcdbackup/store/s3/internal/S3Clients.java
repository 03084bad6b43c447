package io.github.etcdbackup.store.s3.internal;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

import java.net.URI;
import java.time.Duration;

/** Builds the SDK client of a store: the synchronous Apache HttpClient 5, bounded connects and reads, retries. */
public final class S3Clients {
    /** Attempts per request (the first and its retries), within the operation's deadline. */
    private static final int MAX_ATTEMPTS = 6;

    private S3Clients() {
    }

    /** A client and what must be closed with it. */
    public record Client(S3Client s3, AwsCredentialsProvider credentials) implements AutoCloseable {
        @Override
        public void close() {
            s3.close();
            if (credentials instanceof AutoCloseable closeable) {
                try {
                    closeable.close();
                } catch (Exception ignored) {
                    // Nothing is left to do with a provider that cannot close.
                }
            }
        }
    }

    /** A client for {@code endpoint} (null: AWS), with static credentials or (null) the default chain. */
    public static Client create(URI endpoint, String region, boolean pathStyle, String accessKeyId,
                                String secretAccessKey) {
        AwsCredentialsProvider credentials = accessKeyId == null ? DefaultCredentialsProvider.builder().build()
                : StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKeyId, secretAccessKey));
        S3ClientBuilder builder = S3Client.builder()
                .region(Region.of(region))
                .forcePathStyle(pathStyle)
                .credentialsProvider(credentials)
                .httpClientBuilder(Apache5HttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(10))
                        // A server that stops answering mid-request: the attempt fails and is retried.
                        .socketTimeout(Duration.ofSeconds(60))
                        .maxConnections(16))
                // Checksums only where S3 requires them: the SDK's default "aws-chunked" bodies with trailing
                // checksums are refused by servers such as S3Proxy and older Ceph RGW and MinIO. Integrity does not
                // rest on them: every byte is hashed against the unit's SHA-256 before an upload is completed.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .overrideConfiguration(o -> o.retryStrategy(b -> b.maxAttempts(MAX_ATTEMPTS)));
        if (endpoint != null) {
            builder.endpointOverride(endpoint);
        }
        return new Client(builder.build(), credentials);
    }
}
