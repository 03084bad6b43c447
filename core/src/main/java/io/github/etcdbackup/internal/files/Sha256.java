package io.github.etcdbackup.internal.files;

import io.github.etcdbackup.exception.LocalStorageException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 helpers, and the digests beside it (SHA-384: the fingerprint Juju gives a resource). */
public final class Sha256 {
    /** Large enough that hashing runs at memory speed, small enough to stay in cache. */
    public static final int BUFFER_SIZE = 128 * 1024;

    private Sha256() {
    }

    /** A fresh SHA-256 digest (every JDK has one). */
    public static MessageDigest newDigest() {
        return newDigest("SHA-256");
    }

    /** A fresh digest of a standard algorithm every JDK has ({@code SHA-256}, {@code SHA-384}). */
    public static MessageDigest newDigest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JDK has no " + algorithm, e);
        }
    }

    /** Lowercase hex of a finished digest. */
    public static String hex(MessageDigest digest) {
        return HexFormat.of().formatHex(digest.digest());
    }

    /** Hashes a whole file. */
    public static String ofFile(Path file) {
        MessageDigest digest = newDigest();
        updateFromFile(digest, file);
        return hex(digest);
    }

    /**
     * Feeds a whole file to {@code digest}.
     *
     * @return the number of bytes read
     */
    public static long updateFromFile(MessageDigest digest, Path file) {
        byte[] buffer = new byte[BUFFER_SIZE];
        long total = 0;
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buffer)) != -1) {
                digest.update(buffer, 0, n);
                total += n;
            }
        } catch (IOException e) {
            throw new LocalStorageException(file, "Reading", e);
        }
        return total;
    }
}
