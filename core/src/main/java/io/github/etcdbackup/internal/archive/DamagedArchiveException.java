package io.github.etcdbackup.internal.archive;

import java.io.IOException;

/**
 * The archive's bytes cannot be decoded (gzip data, a tar header, an end inside an entry): the archive is damaged,
 * as opposed to an {@link IOException} of the disk it is read from or written to.
 */
public final class DamagedArchiveException extends IOException {
    private static final long serialVersionUID = 1L;

    DamagedArchiveException(String message, IOException cause) {
        super(message, cause);
    }
}
