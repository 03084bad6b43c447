package io.github.etcdbackup.spi;

import java.io.IOException;

/**
 * A range stream ({@link EtcdTransport#openRange}) whose bytes the transport stores as they arrive, whether or not
 * anybody reads them yet: the output of a {@code juju ssh} process sent straight into a file, for instance. The core
 * then holds no copy of the range in memory: it waits for the range with {@link #awaitArrival}, which frees its
 * stream for the next range, and reads it from the stream when its turn in file order comes. A transport that
 * returns such streams says so with {@link ParallelReads#spooled()}.
 *
 * <p>The stream's other promises hold as for any range: {@code read} returns -1 only after the remote side reported
 * success, a failure is an {@code IOException}, closing stops the transfer and frees what was stored. {@code read}
 * and {@link #awaitArrival} may run at the same time on two threads.
 */
public interface SpooledRange {
    /**
     * Waits until the whole range arrived and the remote side reported success.
     *
     * @return how many bytes arrived: fewer than asked only where the file ends
     * @throws IOException if the transfer failed, was closed, or the deadline passed first
     */
    long awaitArrival(Deadline deadline) throws IOException;
}
