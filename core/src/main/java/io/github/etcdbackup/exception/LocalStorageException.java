package io.github.etcdbackup.exception;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/** Reading or writing a local file failed (disk full, permission denied, ...). */
public final class LocalStorageException extends EtcdBackupException {
    private final Path file;

    /**
     * @param file  the local file concerned
     * @param what  what was being done
     * @param cause the I/O error
     */
    public LocalStorageException(Path file, String what, IOException cause) {
        super(what + " " + file + " failed: " + cause, cause);
        this.file = Objects.requireNonNull(file, "file");
    }

    /** The local file concerned. */
    public Path file() {
        return file;
    }
}
