package io.github.etcdbackup.store.s3.internal;

import io.github.etcdbackup.exception.EtcdBackupException;
import io.github.etcdbackup.exception.ObjectStoreException;
import io.github.etcdbackup.exception.OperationInterruptedException;
import io.github.etcdbackup.internal.common.StreamWatchdog;
import software.amazon.awssdk.awscore.AwsRequest;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.AbortMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.DeleteObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.ListPartsRequest;
import software.amazon.awssdk.services.s3.model.ListPartsResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;

import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The requests the store makes of one bucket, each bounded by the operation's {@link Deadline} and each failure
 * turned into the library's exceptions, naming the bucket and the key. The SDK retries 5xx, throttling and cut
 * connections with backoff as long as the deadline allows.
 */
public final class Bucket {
    private final S3Client s3;
    private final String name;

    /** Requests of bucket {@code name} through {@code s3}. */
    public Bucket(S3Client s3, String name) {
        this.s3 = s3;
        this.name = name;
    }

    /** The bucket's name. */
    public String name() {
        return name;
    }

    /** {@code s3://bucket/key}. */
    public String location(String key) {
        return "s3://" + name + "/" + key;
    }

    /** A part already uploaded. */
    public record Part(int number, long sizeBytes, String etag) {
    }

    /** The keys of the objects directly under {@code prefix} (not in its sub-"directories"). */
    public List<String> list(String prefix, Deadline deadline) {
        List<String> entries = new ArrayList<>();
        String token = null;
        do {
            String continuation = token;
            ListObjectsV2Response page = call("Listing", prefix, deadline, () -> s3.listObjectsV2(
                    timed(ListObjectsV2Request.builder().bucket(name).prefix(prefix).delimiter("/")
                            .continuationToken(continuation), deadline).build()));
            page.contents().forEach(o -> entries.add(o.key()));
            token = Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null;
        } while (token != null);
        return entries;
    }

    /** The parts already uploaded to an unfinished upload, by number. */
    public List<Part> parts(String key, String uploadId, Deadline deadline) {
        List<Part> parts = new ArrayList<>();
        Integer marker = null;
        do {
            Integer from = marker;
            ListPartsResponse page = call("Listing the uploaded parts of", key, deadline, () -> s3.listParts(
                    timed(ListPartsRequest.builder().bucket(name).key(key).uploadId(uploadId)
                            .partNumberMarker(from), deadline).build()));
            page.parts().forEach(p -> parts.add(new Part(p.partNumber(), p.size(), p.eTag())));
            marker = Boolean.TRUE.equals(page.isTruncated()) ? page.nextPartNumberMarker() : null;
        } while (marker != null);
        return parts;
    }

    /** The object's length, empty when there is no such object. */
    public Optional<Long> size(String key, Deadline deadline) {
        try {
            return Optional.of(call("Looking up", key, deadline, () -> s3.headObject(
                    timed(HeadObjectRequest.builder().bucket(name).key(key), deadline).build())).contentLength());
        } catch (ObjectStoreException e) {
            if (e.reason() == ObjectStoreException.Reason.NO_SUCH_KEY) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /**
     * A small object's bytes (a manifest, a {@code .sha256}), at most {@code max + 1} of them read so that a caller
     * can tell one that is too large; empty when there is no such object.
     */
    public Optional<byte[]> readSmall(String key, int max, Deadline deadline) {
        try (InputStream in = open(key, deadline)) {
            return Optional.of(in.readNBytes(max + 1));
        } catch (ObjectStoreException e) {
            if (e.reason() == ObjectStoreException.Reason.NO_SUCH_KEY) {
                return Optional.empty();
            }
            throw e;
        } catch (IOException e) {
            throw readFailure(key, deadline, e);
        }
    }

    /**
     * The object's bytes. The stream is cut when the deadline passes; a read that fails throws the library's
     * (unchecked) error for it, the deadline's or the connection's, naming the object, so that whoever reads the
     * stream reports it as a failure of this store. Closing it before the end drops the connection rather than
     * reading the rest.
     */
    public InputStream open(String key, Deadline deadline) {
        ResponseInputStream<GetObjectResponse> body = call("Reading", key, deadline, () -> s3.getObject(
                timed(GetObjectRequest.builder().bucket(name).key(key), deadline).build()));
        StreamWatchdog.Guard guard = StreamWatchdog.closeAfter(body::abort, deadline.remaining());
        return new FilterInputStream(body) {
            private boolean ended;

            @Override
            public int read() {
                byte[] one = new byte[1];
                int n = read(one, 0, 1);
                return n < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] buffer, int off, int len) {
                try {
                    int n = super.read(buffer, off, len);
                    ended |= n < 0;
                    return n;
                } catch (IOException e) {
                    throw readFailure(key, deadline, e);
                }
            }

            @Override
            public void close() throws IOException {
                guard.cancel();
                if (!ended) {
                    body.abort();
                }
                super.close();
            }
        };
    }

    /** Writes a small object whole, visible at once (a {@code .sha256}, a manifest, a marker). */
    public void put(String key, byte[] content, Map<String, String> metadata, Deadline deadline) {
        put(key, content, content.length, metadata, deadline);
    }

    /** Writes {@code buffer[0, length)} as an object, visible at once; the buffer is not copied. */
    public void put(String key, byte[] buffer, int length, Map<String, String> metadata, Deadline deadline) {
        call("Writing", key, deadline, () -> s3.putObject(timed(PutObjectRequest.builder().bucket(name).key(key)
                .metadata(metadata).contentLength((long) length), deadline).build(),
                RequestBody.fromContentProvider(() -> new ByteArrayInputStream(buffer, 0, length), length,
                        "application/octet-stream")));
    }

    /** Deletes an object; deleting one that is not there is not an error. */
    public void delete(String key, Deadline deadline) {
        call("Deleting", key, deadline, () -> s3.deleteObject(timed(DeleteObjectRequest.builder().bucket(name)
                .key(key), deadline).build()));
    }

    /** Starts a multipart upload; nothing is visible under {@code key} until it is completed. */
    public String startUpload(String key, Map<String, String> metadata, Deadline deadline) {
        return call("Starting the upload of", key, deadline, () -> s3.createMultipartUpload(timed(
                CreateMultipartUploadRequest.builder().bucket(name).key(key).metadata(metadata), deadline).build()))
                .uploadId();
    }

    /** Uploads part {@code number} from {@code buffer[0, length)}; the SDK may send it again on a retry. */
    public String uploadPart(String key, String uploadId, int number, byte[] buffer, int length, Deadline deadline) {
        return call("Uploading part " + number + " of", key, deadline, () -> s3.uploadPart(timed(
                UploadPartRequest.builder().bucket(name).key(key).uploadId(uploadId).partNumber(number)
                        .contentLength((long) length), deadline).build(),
                RequestBody.fromContentProvider(() -> new ByteArrayInputStream(buffer, 0, length), length,
                        "application/octet-stream"))).eTag();
    }

    /** Completes an upload: the object appears under {@code key}, whole, at once. */
    public void completeUpload(String key, String uploadId, List<Part> parts, Deadline deadline) {
        List<CompletedPart> completed = parts.stream()
                .map(p -> CompletedPart.builder().partNumber(p.number()).eTag(p.etag()).build()).toList();
        call("Completing the upload of", key, deadline, () -> s3.completeMultipartUpload(timed(
                CompleteMultipartUploadRequest.builder().bucket(name).key(key).uploadId(uploadId)
                        .multipartUpload(CompletedMultipartUpload.builder().parts(completed).build()), deadline)
                .build()));
    }

    /** Aborts an upload: its parts are dropped and nothing appears under {@code key}. */
    public void abortUpload(String key, String uploadId, Deadline deadline) {
        call("Aborting the upload of", key, deadline, () -> s3.abortMultipartUpload(timed(
                AbortMultipartUploadRequest.builder().bucket(name).key(key).uploadId(uploadId), deadline).build()));
    }

    /** The error for a body read that failed: the deadline's when it passed, the connection's otherwise. */
    public EtcdBackupException readFailure(String key, Deadline deadline, IOException e) {
        if (deadline.passed()) {
            return deadline.expired(e);
        }
        return new ObjectStoreException(name, key, "Reading", ObjectStoreException.Reason.CONNECTION, 0, "",
                "the connection failed while the object was read (" + e.getMessage() + ")", e);
    }

    private static <B extends AwsRequest.Builder> B timed(B builder, Deadline deadline) {
        builder.overrideConfiguration(AwsRequestOverrideConfiguration.builder()
                .apiCallTimeout(deadline.remaining()).build());
        return builder;
    }

    private <T> T call(String operation, String key, Deadline deadline, Supplier<T> request) {
        try {
            return request.get();
        } catch (AbortedException e) {
            if (Thread.currentThread().isInterrupted()) {
                throw new OperationInterruptedException(operation + " " + location(key), e);
            }
            throw connection(operation, key, e);
        } catch (ApiCallTimeoutException | ApiCallAttemptTimeoutException e) {
            throw deadline.expired(e);
        } catch (AwsServiceException e) {
            throw refused(operation, key, e);
        } catch (SdkClientException e) {
            if (deadline.passed()) {
                throw deadline.expired(e);
            }
            if (String.valueOf(e.getMessage()).startsWith("Unable to load credentials")) {
                // The default chain found none: environment, profile files and instance roles all came up empty.
                throw new ObjectStoreException(name, key, operation, ObjectStoreException.Reason.ACCESS_DENIED, 0, "",
                        "no credentials: give them to the builder, or set AWS_ACCESS_KEY_ID and "
                                + "AWS_SECRET_ACCESS_KEY, a profile in ~/.aws, or an instance or pod role", e);
            }
            throw connection(operation, key, e);
        } catch (SdkException e) {
            throw connection(operation, key, e);
        }
    }

    private ObjectStoreException connection(String operation, String key, SdkException e) {
        return new ObjectStoreException(name, key, operation, ObjectStoreException.Reason.CONNECTION, 0, "",
                "no answer from the server (" + e.getMessage() + ")", e);
    }

    private ObjectStoreException refused(String operation, String key, AwsServiceException e) {
        int status = e.statusCode();
        String code = e.awsErrorDetails() == null || e.awsErrorDetails().errorCode() == null ? ""
                : e.awsErrorDetails().errorCode();
        ObjectStoreException.Reason reason;
        if (status == 403 || code.equals("AccessDenied") || code.equals("InvalidAccessKeyId")
                || code.equals("SignatureDoesNotMatch")) {
            reason = ObjectStoreException.Reason.ACCESS_DENIED;
        } else if (code.equals("NoSuchBucket")) {
            reason = ObjectStoreException.Reason.NO_SUCH_BUCKET;
        } else if (code.equals("NoSuchUpload")) {
            reason = ObjectStoreException.Reason.OTHER;
        } else if (e instanceof NoSuchKeyException || code.equals("NoSuchKey") || status == 404) {
            reason = ObjectStoreException.Reason.NO_SUCH_KEY;
        } else if (status >= 500 || code.equals("SlowDown") || e.isThrottlingException()) {
            reason = ObjectStoreException.Reason.UNAVAILABLE;
        } else {
            reason = ObjectStoreException.Reason.OTHER;
        }
        String message = e.awsErrorDetails() == null ? "" : e.awsErrorDetails().errorMessage();
        return new ObjectStoreException(name, key, operation, reason, status, code,
                "the server refused it" + (message == null || message.isBlank() ? "" : ": " + message), e);
    }
}
