package io.github.etcdbackup.store.s3.internal;

import io.github.etcdbackup.exception.ChecksumMismatchException;
import io.github.etcdbackup.exception.EtcdBackupException;
import io.github.etcdbackup.exception.ObjectStoreException;
import io.github.etcdbackup.exception.OperationInterruptedException;
import io.github.etcdbackup.internal.files.Sha256;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Streams an archive into the bucket so that nothing unverified ever appears under its key. The bytes are hashed as
 * they are read; the last part is held back until the stream has ended and its SHA-256 and length equal what is
 * expected, and only then uploaded and the upload completed (S3's atomic "rename"). On a mismatch, a failed read or
 * request, a deadline or an interrupt, the upload is aborted: its parts are dropped and the key stays as it was.
 *
 * <p>An archive no larger than one part is checked in memory and then written with one request. A larger one goes
 * up in parts, a few uploading while the next is read: memory stays at a few parts whatever the archive's size.
 */
public final class VerifiedUpload {
    private static final Logger LOG = LoggerFactory.getLogger(VerifiedUpload.class);
    /** What an abort may take when the operation's own deadline has already passed. */
    private static final Duration CLEANUP = Duration.ofSeconds(10);

    private final Bucket bucket;
    private final String key;
    private final int partSize;
    private final int parallelParts;
    private final Deadline deadline;

    /**
     * @param partSize bytes per part, at least S3's minimum of 5 MiB (except in tests against servers that allow
     *                 less)
     */
    public VerifiedUpload(Bucket bucket, String key, int partSize, int parallelParts, Deadline deadline) {
        this.bucket = bucket;
        this.key = key;
        this.partSize = partSize;
        this.parallelParts = parallelParts;
        this.deadline = deadline;
    }

    /** Decides, once every byte was read and before the upload is completed, whether the bytes may be kept. */
    @FunctionalInterface
    public interface Check {
        /**
         * @param sha256 the SHA-256 of the bytes uploaded
         * @param length their number
         * @throws ChecksumMismatchException (or another typed error) to abort the upload
         */
        void verify(String sha256, long length);
    }

    /** What was uploaded. */
    public record Result(String sha256, long length) {
    }

    /** A {@link Check} that the bytes hash to {@code sha256}. */
    public Check expecting(String sha256) {
        return (actual, length) -> {
            if (!actual.equals(sha256)) {
                throw new ChecksumMismatchException(sha256, actual, bucket.location(key));
            }
        };
    }

    /**
     * Uploads {@code archive} (read to its end, not closed), completing the upload only when {@code check} passes.
     *
     * @param metadata user metadata of the object (the unit's SHA-256, for people looking at the bucket)
     * @throws IOException if reading {@code archive} failed (the upload was aborted); the caller knows what kind of
     *                     source it is
     */
    public Result upload(InputStream archive, Check check, Map<String, String> metadata) throws IOException {
        return upload(archive, check, metadata, true);
    }

    /**
     * {@link #upload(InputStream, Check, Map)}; with {@code resume} false, an interrupted upload of the key is
     * aborted and a new one started (bytes encrypted on the way differ at every run: no part could be reused).
     */
    public Result upload(InputStream archive, Check check, Map<String, String> metadata, boolean resume)
            throws IOException {
        PushbackInputStream in = new PushbackInputStream(archive, 1);
        MessageDigest digest = Sha256.newDigest();
        byte[] first = new byte[partSize];
        int length = fill(in, first, digest);
        if (length < partSize || atEnd(in)) {
            String sha256 = Sha256.hex(digest);
            check.verify(sha256, length);
            bucket.put(key, first, length, metadata, deadline);
            return new Result(sha256, length);
        }
        Optional<UploadMarker.Resumable> resumable = UploadMarker.resumable(bucket, key, partSize, deadline);
        if (!resume && resumable.isPresent()) {
            abort(resumable.get().uploadId());   // not to be continued: its parts go, a new upload starts
            resumable = Optional.empty();
        }
        String uploadId = resumable.map(UploadMarker.Resumable::uploadId)
                .orElseGet(() -> bucket.startUpload(key, metadata, deadline));
        Map<Integer, Bucket.Part> uploaded = resumable.map(UploadMarker.Resumable::parts).orElse(Map.of());
        if (resumable.isPresent()) {
            LOG.info("Resuming the upload {} of {}: {} parts are there already", uploadId, bucket.location(key),
                    uploaded.size());
        }
        ExecutorService uploader = Executors.newFixedThreadPool(parallelParts, runnable -> {
            Thread thread = new Thread(runnable, "etcd-backup-s3-upload");
            thread.setDaemon(true);
            return thread;
        });
        boolean completed = false;
        try {
            UploadMarker.write(bucket, key, uploadId, partSize, deadline);
            List<Bucket.Part> parts = new ArrayList<>();
            // Up to parallelParts parts go up at once while the next is read; a buffer is reused once its part is
            // uploaded, so at most parallelParts + 1 buffers ever exist. Parts are collected in order.
            Deque<InFlight> inFlight = new ArrayDeque<>();
            Deque<byte[]> free = new ArrayDeque<>();
            byte[] current = first;
            long total = length;
            int number = 1;
            while (!atEnd(in)) {
                if (inFlight.size() == parallelParts) {
                    InFlight oldest = inFlight.removeFirst();
                    parts.add(await(oldest.part()));
                    free.push(oldest.buffer());
                }
                inFlight.addLast(new InFlight(submit(uploader, uploadId, number++, current, length, uploaded),
                        current));
                current = free.isEmpty() ? new byte[partSize] : free.pop();
                length = fill(in, current, digest);
                total += length;
            }
            // The stream has ended and every byte was hashed: only now may the last part go up.
            while (!inFlight.isEmpty()) {
                parts.add(await(inFlight.removeFirst().part()));
            }
            String sha256 = Sha256.hex(digest);
            check.verify(sha256, total);
            parts.add(part(uploadId, number, current, length, uploaded));
            LOG.debug("Completing the upload {} of {}: {} parts, {} bytes, verified", uploadId,
                    bucket.location(key), parts.size(), total);
            bucket.completeUpload(key, uploadId, parts, deadline);
            LOG.debug("Completed the upload {} of {}", uploadId, bucket.location(key));
            completed = true;
            UploadMarker.delete(bucket, key, uploadId, deadline);
            return new Result(sha256, total);
        } finally {
            uploader.shutdownNow();
            if (!completed) {
                // A part still being sent would race the abort: let it end (its request has the same deadline).
                awaitQuietly(uploader);
                abort(uploadId);
            }
        }
    }

    /** A part being uploaded, and the buffer it is uploaded from. */
    private record InFlight(Future<Bucket.Part> part, byte[] buffer) {
    }

    private Future<Bucket.Part> submit(ExecutorService uploader, String uploadId, int number, byte[] buffer,
                                       int length, Map<Integer, Bucket.Part> uploaded) {
        return uploader.submit(() -> part(uploadId, number, buffer, length, uploaded));
    }

    /**
     * Uploads a part, unless an interrupted upload being resumed has it already with these very bytes: the same
     * length and an ETag that is their MD5 (S3's ETag of a part uploaded without server-side encryption by a
     * customer key or KMS; any other ETag, or other bytes, and the part is uploaded again).
     */
    private Bucket.Part part(String uploadId, int number, byte[] buffer, int length,
                             Map<Integer, Bucket.Part> uploaded) {
        Bucket.Part there = uploaded.get(number);
        if (there != null && there.sizeBytes() == length
                && there.etag().replace("\"", "").equalsIgnoreCase(md5(buffer, length))) {
            return there;
        }
        String etag = bucket.uploadPart(key, uploadId, number, buffer, length, deadline);
        return new Bucket.Part(number, length, etag);
    }

    private static String md5(byte[] buffer, int length) {
        MessageDigest md5 = Sha256.newDigest("MD5");
        md5.update(buffer, 0, length);
        return java.util.HexFormat.of().formatHex(md5.digest());
    }

    private Bucket.Part await(Future<Bucket.Part> part) {
        try {
            return part.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OperationInterruptedException("Uploading " + bucket.location(key), e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof EtcdBackupException failure) {
                throw failure;
            }
            throw new IllegalStateException("uploading a part failed unexpectedly", e.getCause());
        }
    }

    /** Fills {@code buffer} as far as the stream goes, hashing what was read. */
    private static int fill(InputStream in, byte[] buffer, MessageDigest digest) throws IOException {
        int length = in.readNBytes(buffer, 0, buffer.length);
        digest.update(buffer, 0, length);
        return length;
    }

    private static boolean atEnd(PushbackInputStream in) throws IOException {
        int b = in.read();
        if (b < 0) {
            return true;
        }
        in.unread(b);
        return false;
    }

    private static void awaitQuietly(ExecutorService uploader) {
        boolean interrupted = Thread.interrupted();
        try {
            uploader.awaitTermination(CLEANUP.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            interrupted = true;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Aborts the upload. A part request the network delayed may still reach the server after the abort and be
     * stored (S3's documentation says so); the abort is therefore repeated, a second apart, until the server says
     * the upload is gone ({@code NoSuchUpload}), within {@link #CLEANUP}. An interrupt of the calling thread does not
     * stop the cleanup (the SDK refuses to send a request from an interrupted thread); the flag is set again after.
     */
    private void abort(String uploadId) {
        boolean interrupted = Thread.interrupted();
        Deadline cleanup = Deadline.after("Aborting the upload of " + bucket.location(key), CLEANUP);
        EtcdBackupException last = null;
        boolean aborted = false;
        try {
            for (int attempt = 0; attempt < 3 && !cleanup.passed(); attempt++) {
                try {
                    bucket.abortUpload(key, uploadId, cleanup);
                    aborted = true;
                } catch (EtcdBackupException e) {
                    if (e instanceof ObjectStoreException refused && refused.errorCode().equals("NoSuchUpload")) {
                        aborted = true;
                        break;   // the upload is gone, with every part
                    }
                    last = e;
                }
                sleepQuietly();
            }
            if (aborted) {
                UploadMarker.delete(bucket, key, uploadId, cleanup);
            } else {
                LOG.warn("Could not abort the upload {} of {} (nothing is visible under its key; its marker stays "
                        + "for verifyAll and the next upload, and a lifecycle rule with "
                        + "AbortIncompleteMultipartUpload removes it): {}", uploadId, bucket.location(key),
                        last == null ? "out of time" : last.getMessage());
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
