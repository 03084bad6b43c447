package io.github.etcdbackup.exception;

import java.nio.file.Path;
import java.util.Objects;

/** The bytes received (or found on disk) do not hash to the SHA-256 the unit reported. Nothing was kept. */
public final class ChecksumMismatchException extends EtcdBackupException {
    private final String expected;
    private final String actual;
    private final String location;

    /**
     * @param expected the SHA-256 the unit reported
     * @param actual   the SHA-256 of the bytes received or read
     * @param location the archive concerned, a file path or {@code s3://bucket/key} (for a download or a copy, the
     *                 name that was not written)
     */
    public ChecksumMismatchException(String expected, String actual, String location) {
        super("SHA-256 mismatch for " + location + ": expected " + expected + ", got " + actual
                + ". The archive was corrupted in transit or at rest; take or fetch it again.", null);
        this.expected = Objects.requireNonNull(expected, "expected");
        this.actual = Objects.requireNonNull(actual, "actual");
        this.location = Objects.requireNonNull(location, "location");
    }

    /** The SHA-256 the unit reported. */
    public String expected() {
        return expected;
    }

    /** The SHA-256 actually computed. */
    public String actual() {
        return actual;
    }

    /** {@link #ChecksumMismatchException(String, String, String)} of a local file. */
    public ChecksumMismatchException(String expected, String actual, Path file) {
        this(expected, actual, file.toString());
    }

    /** The archive concerned: a file path, or {@code s3://bucket/key}. */
    public String location() {
        return location;
    }
}
