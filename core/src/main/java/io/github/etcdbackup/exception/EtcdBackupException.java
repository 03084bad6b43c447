package io.github.etcdbackup.exception;

/**
 * Root of every error this library throws. Unchecked, and sealed so that a {@code catch} or an {@code instanceof}
 * chain can cover every case. Each subclass carries the data of its failure in accessors; messages are bounded
 * (long outputs are cut to a tail) while the accessors keep the whole text where the issue asks for it.
 */
public abstract sealed class EtcdBackupException extends RuntimeException
        permits ActionFailedException,
                ChecksumMismatchException,
                DecryptionException,
                FileConflictException,
                InvalidInputException,
                ObjectStoreException,
                LocalStorageException,
                OperationInterruptedException,
                OperationTimeoutException,
                OutputParseException,
                RestoreFailedException,
                RestoreRefusedException,
                TransportException,
                UnsupportedByTransportException {

    /** Longest text that is copied into an exception message; accessors may hold more. */
    static final int MESSAGE_TAIL_CHARS = 4096;

    EtcdBackupException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The last {@code max} characters of {@code text} (the end of an output is where the error is). */
    static String tail(String text, int max) {
        if (text == null) {
            return "";
        }
        return text.length() <= max ? text : "…" + text.substring(text.length() - max);
    }

    /** The first {@code max} characters of {@code text}. */
    static String head(String text, int max) {
        if (text == null) {
            return "";
        }
        return text.length() <= max ? text : text.substring(0, max) + "…";
    }
}
