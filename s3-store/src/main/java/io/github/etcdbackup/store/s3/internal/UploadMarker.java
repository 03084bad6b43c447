package io.github.etcdbackup.store.s3.internal;

import io.github.etcdbackup.exception.EtcdBackupException;
import io.github.etcdbackup.exception.ObjectStoreException;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * The small object {@code <key>.upload} beside a key while a multipart upload of it runs: which upload, its part size,
 * and until when it may still be running (its deadline). Written when the upload starts and deleted when it is
 * completed or aborted, it is left only by an upload whose process died or lost the server: the next upload of the
 * same archive finds it and continues from the parts already there, and {@code verifyAll} reports it. It lets any
 * S3-compatible server resume, including those that cannot list multipart uploads.
 */
public final class UploadMarker {
    /** Suffix of the marker's key. */
    public static final String SUFFIX = ".upload";
    private static final int MAX_BYTES = 4096;
    /**
     * How long after its deadline an upload is still taken for alive: its own abort may run that long after the
     * deadline ({@link VerifiedUpload}'s cleanup), and the clocks of two machines sharing a bucket differ a little.
     */
    public static final Duration GRACE = Duration.ofSeconds(20);

    private UploadMarker() {
    }

    /** An interrupted upload that may be continued. */
    public record Resumable(String uploadId, Map<Integer, Bucket.Part> parts) {
    }

    /** What a marker says. */
    public record Contents(String uploadId, int partSize, Instant liveUntil) {
        /** Whether no process can still be running the upload. */
        public boolean dead() {
            return liveUntil.plus(GRACE).isBefore(Instant.now());
        }
    }

    /** Marks the start of an upload, live until the operation's deadline. */
    static void write(Bucket bucket, String key, String uploadId, int partSize, Deadline deadline) {
        String text = "uploadId=" + uploadId + "\npartSize=" + partSize + "\nliveUntil=" + deadline.endsAt() + "\n";
        bucket.put(key + SUFFIX, text.getBytes(StandardCharsets.UTF_8), Map.of(), deadline);
    }

    /**
     * Removes the marker of a finished upload, when it still names that upload (another writer of the same key may
     * have replaced it); a failure only leaves a marker that is checked against the server before it is trusted.
     */
    static void delete(Bucket bucket, String key, String uploadId, Deadline deadline) {
        try {
            if (read(bucket, key, deadline).map(m -> m.uploadId().equals(uploadId)).orElse(false)) {
                bucket.delete(key + SUFFIX, deadline);
            }
        } catch (EtcdBackupException ignored) {
            // The upload itself is finished or aborted; the marker says nothing the server does not confirm.
        }
    }

    /** The marker of {@code key}, empty when there is none or it cannot be read as one. */
    public static Optional<Contents> read(Bucket bucket, String key, Deadline deadline) {
        return bucket.readSmall(key + SUFFIX, MAX_BYTES, deadline).flatMap(UploadMarker::parse);
    }

    private static Optional<Contents> parse(byte[] bytes) {
        if (bytes.length > MAX_BYTES) {
            return Optional.empty();
        }
        Properties p = new Properties();
        try {
            p.load(new StringReader(new String(bytes, StandardCharsets.UTF_8)));
            String uploadId = p.getProperty("uploadId", "");
            if (uploadId.isBlank()) {
                return Optional.empty();
            }
            return Optional.of(new Contents(uploadId, Integer.parseInt(p.getProperty("partSize", "0")),
                    Instant.parse(p.getProperty("liveUntil", ""))));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * The interrupted upload of {@code key} to continue, if any: its marker's deadline has passed (so no process can
     * still be writing it), it used the same part size, and the server still has it.
     */
    static Optional<Resumable> resumable(Bucket bucket, String key, int partSize, Deadline deadline) {
        Optional<Contents> marker = read(bucket, key, deadline);
        if (marker.isEmpty() || !marker.get().dead()) {
            return Optional.empty();   // none, or its upload may still be running: leave it alone
        }
        try {
            Map<Integer, Bucket.Part> parts = new LinkedHashMap<>();
            bucket.parts(key, marker.get().uploadId(), deadline).forEach(p -> parts.put(p.number(), p));
            if (marker.get().partSize() != partSize) {
                parts.clear();   // parts of another size line up with none of ours: nothing to reuse
            }
            return Optional.of(new Resumable(marker.get().uploadId(), parts));
        } catch (ObjectStoreException e) {
            // Aborted or expired since (NoSuchUpload), or not ours to list: start afresh; the server keeps the rest.
            return Optional.empty();
        }
    }
}
