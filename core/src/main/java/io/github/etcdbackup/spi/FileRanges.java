package io.github.etcdbackup.spi;

import java.io.InputStream;

/**
 * The ranges of one remote file as one download reads them ({@link EtcdTransport#fileRanges}): what the transport
 * sets up for the first range may serve the next ones (a {@code juju ssh} session that reads range after range),
 * and is released by {@link #close()} when the download ends, whatever became of it.
 */
public interface FileRanges extends AutoCloseable {
    /**
     * At most {@code length} bytes of the file from {@code offset}, with every promise of
     * {@link EtcdTransport#openRange}. Safe to call from several threads at once, up to the transport's number of
     * streams.
     */
    InputStream open(long offset, long length, Deadline deadline);

    /** Releases what the ranges share, and refuses new ranges ({@code TransportException}); idempotent. */
    @Override
    void close();
}
