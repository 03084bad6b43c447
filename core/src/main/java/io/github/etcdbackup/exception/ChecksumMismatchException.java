package io.github.etcdbackup.exception;

import java.nio.file.Path;
import java.util.Objects;

/** The bytes received (or found on disk) do not hash to the SHA-256 the unit reported. Nothing was kept. */
public final class ChecksumMismatchException extends EtcdBackupException {
    private final String expected;
    private final String actual;
    private final Path file;

    /**
     * @param expected the SHA-256 the unit reported
     * @param actual   the SHA-256 of the bytes received or read
     * @param file     the file concerned (for a download, the final name that was not written)
     */
    public ChecksumMismatchException(String expected, String actual, Path file) {
        super("SHA-256 mismatch for " + file + ": expected " + expected + ", got " + actual
                + ". The archive was corrupted in transit or on disk; take or fetch it again.", null);
        this.expected = Objects.requireNonNull(expected, "expected");
        this.actual = Objects.requireNonNull(actual, "actual");
        this.file = Objects.requireNonNull(file, "file");
    }

    /** The SHA-256 the unit reported. */
    public String expected() {
        return expected;
    }

    /** The SHA-256 actually computed. */
    public String actual() {
        return actual;
    }

    /** The file concerned. */
    public Path file() {
        return file;
    }
}
