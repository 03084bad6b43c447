package io.github.etcdbackup.exception;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A local file is in the way: the final file already exists with other content (it is never overwritten), or
 * another download is writing the same archive right now.
 */
public final class FileConflictException extends EtcdBackupException {
    private final Path file;

    /**
     * @param file   the file in the way
     * @param reason what is wrong and what to do
     */
    public FileConflictException(Path file, String reason) {
        super(file + ": " + reason, null);
        this.file = Objects.requireNonNull(file, "file");
    }

    /** The file in the way. */
    public Path file() {
        return file;
    }
}
