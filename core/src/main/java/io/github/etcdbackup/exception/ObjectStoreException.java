package io.github.etcdbackup.exception;

import java.util.Objects;

/**
 * An object store (an S3-compatible bucket) refused a request or could not be reached, after the retries the
 * deadline allowed. Names the bucket and key, what was being done, and what the server answered. A write that fails
 * this way leaves nothing under the archive's final key: an unfinished multipart upload is aborted, or invisible.
 */
public final class ObjectStoreException extends EtcdBackupException {
    /** What kind of failure, to decide what to do without parsing messages. */
    public enum Reason {
        /** The credentials were refused (403, an unknown access key, a bad signature): fix the credentials. */
        ACCESS_DENIED,
        /** The bucket does not exist (404 NoSuchBucket): create it, or fix its name or region. */
        NO_SUCH_BUCKET,
        /** The object does not exist (any more): it was pruned or deleted by someone else. */
        NO_SUCH_KEY,
        /** The server kept answering 5xx or "slow down" until the retries or the deadline ran out: try later. */
        UNAVAILABLE,
        /** The connection failed or was cut (refused, reset, a truncated body): check the network and try again. */
        CONNECTION,
        /** Another archive, with other bytes, already has the key; it is never overwritten. */
        CONFLICT,
        /** Any other refusal; {@link #errorCode()} and the message say which. */
        OTHER
    }

    private final String bucket;
    private final String key;
    private final String operation;
    private final Reason reason;
    private final int statusCode;
    private final String errorCode;

    /**
     * @param bucket     the bucket
     * @param key        the object's key, empty for a request about the bucket
     * @param operation  what was being done, e.g. {@code Uploading the archive}
     * @param reason     the kind of failure
     * @param statusCode the HTTP status of the last answer, 0 when there was none
     * @param errorCode  the S3 error code of the last answer ({@code NoSuchBucket}, {@code SlowDown}...), empty when
     *                   there was none
     * @param detail     what happened, in words; must not hold a secret
     * @param cause      the underlying error, if any
     */
    public ObjectStoreException(String bucket, String key, String operation, Reason reason, int statusCode,
                                String errorCode, String detail, Throwable cause) {
        super(operation + " s3://" + bucket + "/" + key + " failed: " + detail
                + (statusCode > 0 ? " (HTTP " + statusCode + (errorCode.isEmpty() ? "" : " " + errorCode) + ")" : "")
                + ". " + advice(reason), cause);
        this.bucket = Objects.requireNonNull(bucket, "bucket");
        this.key = Objects.requireNonNull(key, "key");
        this.operation = Objects.requireNonNull(operation, "operation");
        this.reason = Objects.requireNonNull(reason, "reason");
        this.statusCode = statusCode;
        this.errorCode = Objects.requireNonNull(errorCode, "errorCode");
    }

    private static String advice(Reason reason) {
        return switch (reason) {
            case ACCESS_DENIED -> "Check the access key, the secret and the bucket policy.";
            case NO_SUCH_BUCKET -> "Create the bucket, or check its name, the endpoint and the region.";
            case NO_SUCH_KEY -> "List the store again: the object was deleted or pruned meanwhile.";
            case UNAVAILABLE -> "The server is overloaded or failing; nothing was left half-written, try again later.";
            case CONNECTION -> "Check the endpoint and the network; nothing was left half-written, try again.";
            case CONFLICT -> "It is never overwritten; check what wrote it, or delete it by hand if it is junk.";
            case OTHER -> "See the error code.";
        };
    }

    /** The bucket. */
    public String bucket() {
        return bucket;
    }

    /** The object's key, empty for a request about the bucket itself. */
    public String key() {
        return key;
    }

    /** {@code s3://bucket/key}. */
    public String location() {
        return "s3://" + bucket + "/" + key;
    }

    /** What was being done. */
    public String operation() {
        return operation;
    }

    /** The kind of failure. */
    public Reason reason() {
        return reason;
    }

    /** The HTTP status of the last answer, 0 when there was none (the connection failed). */
    public int statusCode() {
        return statusCode;
    }

    /** The S3 error code of the last answer, empty when there was none. */
    public String errorCode() {
        return errorCode;
    }
}
